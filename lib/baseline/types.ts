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
  /** The resource's tags when captured, where the policy has tag rules: they still decide after it is deleted. */
  tags?: Readonly<Record<string, string>>;
}

/** Where baselines live: DynamoDB when deployed, memory in replay and unit tests. */
export interface BaselineStore {
  get(resource: string): Promise<Baseline | undefined>;
  put(baseline: Baseline): Promise<void>;
  delete(resource: string): Promise<void>;
}

/**
 * How the snapshot function writes: it only fills in resources that have no baseline yet.
 * Overwriting live state on a schedule would let an untrusted change become the baseline;
 * only changes by trusted principals (or an operator's explicit refresh) move one.
 */
export interface BaselineSeeder {
  /** Stores the baseline unless one exists for the resource; resolves whether it was stored. */
  putIfAbsent(baseline: Baseline): Promise<boolean>;
}

/** Baselines a control may read, prefetched so the control stays pure. */
export type BaselineLookup = ReadonlyMap<string, Baseline>;

export const NO_BASELINES: BaselineLookup = new Map();
