import { PolicyFileError } from '../../lib/policy/validate';

/** The thrown PolicyFileError, so a test can read its problems; fails the test if nothing is thrown. */
export function policyErrorOf(act: () => unknown): PolicyFileError {
  try {
    act();
  } catch (error) {
    if (error instanceof PolicyFileError) return error;
    throw error;
  }
  throw new Error('expected a PolicyFileError, but the policy was accepted');
}
