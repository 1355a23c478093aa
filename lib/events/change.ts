/** Who made a change, as far as CloudTrail tells. */
export interface Actor {
  arn?: string;
  type?: string;
  principalId?: string;
  accountId?: string;
  userName?: string;
  /** For an assumed-role session: the role that issued it (sessionContext.sessionIssuer.arn, or derived from the session ARN). */
  issuerArn?: string;
  invokedBy?: string;
  sourceIp?: string;
  userAgent?: string;
}

/** A CloudTrail management event, normalised: the input every control evaluates. */
export interface Change {
  eventId: string;
  eventName: string;
  eventSource: string;
  eventTime: string;
  eventVersion?: string;
  region: string;
  /** The account the change happened in (recipientAccountId, else the envelope's or the caller's account). */
  account: string;
  actor: Actor;
  requestParameters: Record<string, unknown>;
  responseElements: Record<string, unknown> | null;
  errorCode?: string;
  errorMessage?: string;
  readOnly?: boolean;
  /** The record as received, for evidence and for fields no control has needed yet. */
  record: Record<string, unknown>;
  /** Set when no CloudTrail event reported this: the reconciliation sweep synthesised it from live state (lib/sweep/). */
  origin?: 'sweep';
}
