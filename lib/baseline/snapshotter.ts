import type { Change } from '../events/change';
import type { Policy } from '../policy/schema';
import type { Baseline } from './types';

/**
 * Keeps the baselines of one kind of resource. The scheduled snapshot calls
 * captureAll; the real-time pipeline calls touchedBy + capture after a change by a
 * trusted principal, so approved drift moves the baseline and nothing else does.
 */
export interface Snapshotter {
  readonly kind: string;
  /** IAM actions reading live state needs (checked against the stack like remediators'). */
  readonly iamActions: readonly string[];
  /** The resources (ARNs) a change touches whose baselines this snapshotter keeps. Pure. */
  touchedBy(change: Change, policy: Policy): string[];
  /** The live definition of one resource, or undefined when it no longer exists. */
  capture(resource: string): Promise<Baseline | undefined>;
  /** Every protected resource of this kind. */
  captureAll(policy: Policy): AsyncIterable<Baseline>;
}
