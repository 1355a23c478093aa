import { KMS_KEY_BASELINE, type KmsKeyDefinition, type KmsKeyState } from '../controls/kms/types';
import { keyAccountOf, keyOf, keyProtection, KMS_SOURCE } from '../controls/kms/keys';
import type { PolicyDocument } from '../iam/policy-document';
import type { Snapshotter } from './snapshotter';
import type { Baseline } from './types';

/** What capturing keys reads from KMS. */
export interface KmsInventoryPort {
  describeKey(keyArn: string): Promise<KmsKeyState | undefined>;
  getKeyPolicy(keyArn: string): Promise<PolicyDocument | undefined>;
  listKeyArns(): Promise<string[]>;
  /** Aliases of one key, or of every key when none is given. */
  listAliases(keyArn?: string): Promise<Array<{ name: string; targetKeyId: string }>>;
}

/** A resource encrypted with a KMS key, the key named as the resource names it (ARN, id, alias or alias ARN). */
export interface EncryptedResource {
  resource: string;
  keyRef: string;
}

/** Lists the buses, queues, topics and trails with the key each is encrypted with. */
export type KeyUsersSource = () => Promise<EncryptedResource[]>;

/** Whether a key reference (as a bus, queue or topic names its key) means this key. */
export function refersTo(keyRef: string, key: { keyId: string; arn: string }, aliases: readonly string[]): boolean {
  if (keyRef === key.keyId || keyRef === key.arn) return true;
  const alias = /^arn:aws[\w-]*:kms:[^:]+:\d{12}:(alias\/.+)$/.exec(keyRef)?.[1] ?? keyRef;
  return alias.startsWith('alias/') && aliases.includes(alias);
}

/** KMS events whose success changes what a key baseline holds. */
const CHANGING = ['DisableKey', 'ScheduleKeyDeletion', 'PutKeyPolicy', 'DisableKeyRotation'];

export function kmsKeySnapshotter(kms: KmsInventoryPort, keyUsers: KeyUsersSource, now: () => Date = () => new Date()): Snapshotter {
  async function definitionOf(keyArn: string, aliases: readonly string[], users: readonly EncryptedResource[]): Promise<KmsKeyDefinition | undefined> {
    const state = await kms.describeKey(keyArn);
    // AWS managed keys cannot be disabled, deleted or re-policied by anyone: nothing to guard.
    if (!state || state.keyManager === 'AWS') return undefined;
    const policy = state.keyState === 'PendingDeletion' ? undefined : await kms.getKeyPolicy(state.arn);
    return {
      ...state,
      ...(policy ? { policy } : {}),
      aliases: [...aliases],
      usedBy: users.filter((u) => refersTo(u.keyRef, state, aliases)).map((u) => u.resource),
    };
  }
  const baseline = (definition: KmsKeyDefinition): Baseline => ({
    resource: definition.arn,
    kind: KMS_KEY_BASELINE,
    definition,
    capturedAt: now().toISOString(),
    source: 'snapshot',
  });

  return {
    kind: KMS_KEY_BASELINE,
    iamActions: [
      'kms:ListKeys',
      'kms:ListAliases',
      'kms:DescribeKey',
      'kms:GetKeyPolicy',
      'kms:GetKeyRotationStatus',
      // Which protected buses, queues and topics a key encrypts.
      'events:ListEventBuses',
      'events:DescribeEventBus',
      'sqs:ListQueues',
      'sqs:GetQueueAttributes',
      'sns:ListTopics',
      'sns:GetTopicAttributes',
      // ...and which trails (DescribeTrails returns each trail's KmsKeyId).
      'cloudtrail:DescribeTrails',
    ],
    touchedBy(change) {
      if (change.eventSource !== KMS_SOURCE || !CHANGING.includes(change.eventName)) return [];
      const key = keyOf(change);
      return key && keyAccountOf(key.keyArn) === change.account ? [key.keyArn] : [];
    },
    /** Any customer managed key: the controls judge protection from what is captured (aliases, users). */
    async capture(resource) {
      const aliases = (await kms.listAliases(resource)).map((a) => a.name);
      const definition = await definitionOf(resource, aliases, await keyUsers());
      return definition ? baseline(definition) : undefined;
    },
    async *captureAll(policy) {
      const [keyArns, aliases, users] = await Promise.all([kms.listKeyArns(), kms.listAliases(), keyUsers()]);
      for (const keyArn of keyArns) {
        const keyId = keyArn.split('/').pop() ?? keyArn;
        const names = aliases.filter((a) => a.targetKeyId === keyId || a.targetKeyId === keyArn).map((a) => a.name);
        const definition = await definitionOf(keyArn, names, users);
        if (definition && keyProtection(definition, policy).length > 0) yield baseline(definition);
      }
    },
  };
}

/**
 * The buses, queues, topics and trails of the account with the key each is encrypted with
 * (none: not listed). Every user is listed; `keyProtection` decides, under the policy of the
 * moment, which of them (protect.buses/queues/topics/trails) make the key protected.
 */
export function keyUsersFrom(sources: {
  queues: { listQueueUrls(): Promise<string[]>; getAttributes(url: string): Promise<Record<string, string> | undefined> };
  buses: { listBuses(): Promise<Array<{ name: string; arn: string }>>; getSettings(name: string): Promise<{ kmsKeyIdentifier?: string } | undefined> };
  topics: { listTopicArns(): Promise<string[]>; getAttributes(arn: string): Promise<Record<string, string> | undefined> };
  /** Trails whose home is this region, with their KmsKeyId (a key ARN) as DescribeTrails returns it. */
  trails: { listTrails(): Promise<Array<{ arn: string; kmsKeyId?: string }>> };
}): KeyUsersSource {
  return async () => {
    const users: EncryptedResource[] = [];
    for (const url of await sources.queues.listQueueUrls()) {
      const attributes = await sources.queues.getAttributes(url);
      if (attributes?.QueueArn && attributes.KmsMasterKeyId) users.push({ resource: attributes.QueueArn, keyRef: attributes.KmsMasterKeyId });
    }
    for (const bus of await sources.buses.listBuses()) {
      const keyRef = (await sources.buses.getSettings(bus.name))?.kmsKeyIdentifier;
      if (keyRef) users.push({ resource: bus.arn, keyRef });
    }
    for (const topicArn of await sources.topics.listTopicArns()) {
      const keyRef = (await sources.topics.getAttributes(topicArn))?.KmsMasterKeyId;
      if (keyRef) users.push({ resource: topicArn, keyRef });
    }
    for (const trail of await sources.trails.listTrails()) {
      if (trail.kmsKeyId) users.push({ resource: trail.arn, keyRef: trail.kmsKeyId });
    }
    return users;
  };
}
