import type { PolicyDocument } from '../../iam/policy-document';

export type PrincipalKind = 'role' | 'user' | 'group';

/** The IAM identity a change hands permissions to. */
export interface GrantedPrincipal {
  kind: PrincipalKind;
  name: string;
  /** Built from the name and the change's account; CloudTrail does not record the principal's path. */
  arn: string;
}

export type IamGrant = { kind: 'managed'; policyArn: string } | { kind: 'inline'; policyName: string };

/** Detach the managed policy from, or delete the inline policy of, the principal the change granted it to. */
export interface RevokeIamGrantPlan {
  kind: 'revoke-iam-grant';
  principal: GrantedPrincipal;
  grant: IamGrant;
}

/** Whether the grant is still in place: the managed policy still attached, or the inline policy's current document. */
export interface IamGrantLiveState {
  kind: 'iam-grant';
  attached?: boolean;
  inlineDocument?: PolicyDocument;
}

/** A customer managed policy's default version, read live before evaluation (or why it could not be). */
export type ManagedPolicyRead = { document: PolicyDocument; versionId?: string } | { error: string };

/** Customer managed policies the pipeline read for the controls, by ARN. Absent in replay. */
export type ManagedPolicyLookup = ReadonlyMap<string, ManagedPolicyRead>;

/** Reads a customer managed policy's default version (GetPolicy, then GetPolicyVersion). */
export interface ManagedPolicyPort {
  readonly iamActions: readonly string[];
  defaultVersion(policyArn: string): Promise<ManagedPolicyRead>;
}
