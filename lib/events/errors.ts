/** Input that is not a CloudTrail management event we can read. Never swallowed: the event goes to the DLQ. */
export class EventParseError extends Error {
  override readonly name = 'EventParseError';
  constructor(
    message: string,
    readonly problems: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(problems.length > 0 ? `${message}: ${problems.join('; ')}` : message, options);
  }
}
