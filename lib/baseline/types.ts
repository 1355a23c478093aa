/**
 * The last known good definition of a protected resource: what a remediation restores.
 * Only a snapshot of live state or a change by a trusted principal ever writes one.
 */
export interface Baseline<D = unknown> {
  /** The resource's ARN: the key. */
  resource: string;
  /** What the definition describes, e.g. `events-rule`, `kms-key-policy`; each kind owns its shape. */
  kind: string;
  definition: D;
  capturedAt: string;
  /** `snapshot`, or `trusted-change <eventID> by <actor ARN>`. */
  source: string;
}

/** Where baselines live: DynamoDB when deployed, memory in replay and unit tests. */
export interface BaselineStore {
  get(resource: string): Promise<Baseline | undefined>;
  put(baseline: Baseline): Promise<void>;
  delete(resource: string): Promise<void>;
}

/** Baselines a control may read, prefetched so the control stays pure. */
export type BaselineLookup = ReadonlyMap<string, Baseline>;

export const NO_BASELINES: BaselineLookup = new Map();
