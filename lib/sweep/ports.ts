import type { BaselineStore } from '../baseline/types';
import type { KmsInventoryPort } from '../baseline/kms-keys';
import type { QueueInventoryPort } from '../baseline/queues';
import type { TopicInventoryPort } from '../baseline/topics';
import type { CloudTrailPort } from '../remediation/cloudtrail';
import type { EventRulesPort } from '../remediation/rules';
import type { VpcEndpointPort } from '../remediation/endpoints';
import type { KeyGrant } from './synthesize';

/** The grants on a key (ListGrants, every page). */
export interface KeyGrantsPort {
  listGrants(keyArn: string): Promise<KeyGrant[]>;
}

/** How many of a topic's subscriptions are confirmed (ListSubscriptionsByTopic, every page). */
export interface TopicSubscriptionsPort {
  confirmedSubscriptions(topicArn: string): Promise<number>;
}

/** The resources that have a baseline of a kind: resources gone from live state are found through them. */
export interface BaselineCatalog {
  readonly iamActions: readonly string[];
  resourcesOf(kinds: readonly string[]): Promise<string[]>;
}

/** Where a sweep cut off by its time budget stopped: the next invocation continues after `after` in `phase`. */
export interface SweepCheckpoint {
  runId: string;
  startedAt: string;
  phase: string;
  /** The key of the last item done in that phase; absent: the phase had not started. */
  after?: string;
  /** Invocations this run has taken so far. */
  invocations: number;
}

export interface CheckpointStore {
  readonly iamActions: readonly string[];
  load(): Promise<SweepCheckpoint | undefined>;
  save(checkpoint: SweepCheckpoint): Promise<void>;
  clear(): Promise<void>;
  /**
   * One sweep at a time per account and region (a scheduled one and one requested after a trail
   * restart may overlap): takes the lease unless another holder's lease runs past `now`.
   */
  tryLease(holder: string, untilMs: number, nowMs: number): Promise<boolean>;
  releaseLease(holder: string): Promise<void>;
}

/** An API destination or connection: where EventBridge may send events outside AWS. */
export interface Destination {
  kind: 'api-destination' | 'connection';
  name: string;
  arn: string;
  /** The API destination's invocation endpoint, or the connection's OAuth authorization endpoint (absent: none). */
  endpoint?: string;
}

/** API destinations and connections, every page (target-untrusted-destination). */
export interface DestinationsPort {
  listDestinations(): Promise<Destination[]>;
}

/** An IAM role, user or group with what it is granted: attached managed policies and inline policies (documents as IAM returns them, URL-encoded). */
export interface IamPrincipalGrants {
  kind: 'role' | 'user' | 'group';
  name: string;
  managed: string[];
  inline: Array<{ policyName: string; document: string }>;
}

/** Every role, user and group of the account (IAM is global) with its grants (iam-eventbridge-overgrant). */
export interface IamInventoryPort {
  listPrincipals(): Promise<Array<{ kind: 'role' | 'user' | 'group'; name: string }>>;
  grantsOf(kind: 'role' | 'user' | 'group', name: string): Promise<IamPrincipalGrants | undefined>;
}

/** Everything the sweep reads, behind the same ports the snapshotters and remediators use. */
export interface SweepReaders {
  rules: Pick<EventRulesPort, 'listBuses' | 'listRules' | 'getRule' | 'getBus'>;
  kms: Pick<KmsInventoryPort, 'listKeyArns' | 'listAliases' | 'describeKey' | 'getKeyPolicy'> & KeyGrantsPort;
  trails: Pick<CloudTrailPort, 'listTrails' | 'isLogging' | 'getConfig' | 'getSelectors'>;
  queues: Pick<QueueInventoryPort, 'listQueueUrls' | 'getAttributes'>;
  topics: TopicInventoryPort & TopicSubscriptionsPort;
  endpoints: Pick<VpcEndpointPort, 'describe' | 'listInterfaceEndpoints'>;
  destinations: DestinationsPort;
  iam: IamInventoryPort;
  baselines: Pick<BaselineStore, 'get'>;
  catalog: BaselineCatalog;
}

export function memoryCheckpointStore(initial?: SweepCheckpoint): CheckpointStore & { current(): SweepCheckpoint | undefined } {
  let saved = initial ? structuredClone(initial) : undefined;
  let lease: { holder: string; untilMs: number } | undefined;
  return {
    iamActions: [],
    async tryLease(holder, untilMs, nowMs) {
      if (lease && lease.holder !== holder && lease.untilMs > nowMs) return false;
      lease = { holder, untilMs };
      return true;
    },
    async releaseLease(holder) {
      if (lease?.holder === holder) lease = undefined;
    },
    async load() {
      return saved ? structuredClone(saved) : undefined;
    },
    async save(checkpoint) {
      saved = structuredClone(checkpoint);
    },
    async clear() {
      saved = undefined;
    },
    current: () => saved,
  };
}
