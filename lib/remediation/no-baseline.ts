/** A remediation that restores a baseline has none to restore from: the change is alerted, nothing is changed. */
export class NoBaselineError extends Error {
  override readonly name = 'NoBaselineError';
}
