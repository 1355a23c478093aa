import { createHash, randomUUID } from 'node:crypto';
import { isErrorNamed } from '../aws/errors';
import { CONDITIONAL_CHECK_FAILED, type AttributeValue, type BatchGetItemOutput, type Item, type KeysAndAttributes, type UpdateItemOutput } from '../aws/dynamodb-json';
import type { JsonService } from '../aws/wire/json';
import type { Finding } from '../controls/types';
import type { DigestEntry } from './digest-format';
import { capLine } from './format';

/**
 * Shared alerting state, so that every concurrent invocation agrees on what was already sent:
 * dedup windows, storm counters, held-back findings, the publish rate. Every decision is one
 * conditional write (the first writer wins), never a read followed by a write.
 */
export interface AlertState {
  readonly iamActions: readonly string[];
  /** Opens a dedup window for `key` (this caller sends the alert) or counts one more occurrence in the open one. */
  claim(key: string, finding: Finding, now: Date, windowMs: number): Promise<{ first: true; token: string } | { first: false; count: number }>;
  /** Gives up a claim whose alert could not be published, so a retry alerts again instead of counting. */
  release(key: string, token: string): Promise<void>;
  /** Occurrences of `key` not yet reported, taken atomically (no other caller gets them), or undefined. */
  takeUnreported(key: string): Promise<TakenUpdate | undefined>;
  /** Puts taken occurrences back after the update could not be published. */
  untake(taken: TakenUpdate): Promise<void>;
  /** Dedup keys with occurrences since the given minute (epoch minute numbers). */
  keysWithRepeats(minutes: readonly number[]): Promise<string[]>;
  /** Counts a finding in its minute; resolves the count so far (this one included). */
  countInMinute(minute: number): Promise<number>;
  /** Keeps a finding for the minute's digest. `seq` is its place among the held-back findings (0-based). */
  hold(minute: number, seq: number, entry: DigestEntry): Promise<void>;
  /** The minutes (of those given) with more than `threshold` findings and no digest sent yet; claims them. */
  claimDigests(minutes: readonly number[], threshold: number, now: Date): Promise<ClaimedDigest[]>;
  /** Gives up a digest claim after publishing failed, so the next run sends it. */
  unclaimDigest(digest: ClaimedDigest): Promise<void>;
  /** One of `limit` publish slots in the given epoch second; false when they are taken. */
  takeSlot(second: number, limit: number): Promise<boolean>;
}

export interface TakenUpdate {
  key: string;
  finding: Finding;
  count: number;
  reportedBefore: number;
  firstSeen: string;
  lastSeen: string;
  windowEnds: string;
}

export interface ClaimedDigest {
  minute: number;
  token: string;
  entries: DigestEntry[];
}

export class AlertStateError extends Error {
  override readonly name = 'AlertStateError';
}

const DAY_SECONDS = 86_400;

/** A key that fits DynamoDB's 2 KB partition key whatever the resource ARN. */
export function dedupKeyOf(finding: Pick<Finding, 'account' | 'region' | 'control' | 'resource'> & Partial<Pick<Finding, 'remediation' | 'remediationLoop'>>): string {
  // A remediation loop or failure is news even right after the alerts of the remediations before it: its own window.
  const outcome = finding.remediationLoop ? '#remediation-loop' : finding.remediation?.status === 'failed' ? '#remediation-failed' : '';
  const plain = `${finding.account}#${finding.region}#${finding.control}#${finding.resource}${outcome}`;
  return plain.length <= 512 ? plain : `${plain.slice(0, 200)}#sha256:${createHash('sha256').update(plain).digest('hex')}`;
}

/** The finding as kept for its count updates: the evidence summary only (items must stay small). */
function compact(finding: Finding): Finding {
  return {
    ...finding,
    evidence: { summary: capLine(finding.evidence.summary, 2000) },
    remediation: { status: finding.remediation.status, reason: capLine(finding.remediation.reason, 2000) },
    plan: undefined,
  };
}

const isConditionFailure = (error: unknown) => isErrorNamed(error, CONDITIONAL_CHECK_FAILED);

const n = (value: number): AttributeValue => ({ N: String(value) });
const s = (value: string): AttributeValue => ({ S: value });

/**
 * The state in the shared DynamoDB table (serverless/resources/state.yml: partition key `pk`,
 * TTL attribute `expiresAt`). Key prefixes: `dedup#`, `repeats#`, `storm#`, `held#`, `rate#`.
 */
export function dynamoDbAlertState(dynamodb: JsonService, tableName: string): AlertState {
  const key = (pk: string) => ({ pk: s(pk) });

  async function batchGet(pks: readonly string[]): Promise<Map<string, Item>> {
    const found = new Map<string, Item>();
    for (let i = 0; i < pks.length; i += 100) {
      let request: Record<string, KeysAndAttributes> | undefined = {
        [tableName]: { Keys: [...new Set(pks.slice(i, i + 100))].map(key), ConsistentRead: true },
      };
      for (let attempt = 0; request && Object.keys(request).length > 0; attempt += 1) {
        if (attempt > 5) throw new AlertStateError(`BatchGetItem left keys unprocessed on ${tableName}`);
        const out: BatchGetItemOutput = await dynamodb.call('BatchGetItem', { RequestItems: request });
        for (const item of out.Responses?.[tableName] ?? []) found.set(item.pk?.S ?? '', item);
        request = out.UnprocessedKeys;
        if (request && Object.keys(request).length > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      }
    }
    return found;
  }

  return {
    iamActions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchGetItem'],

    async claim(dedupKey, finding, now, windowMs) {
      const pk = `dedup#${dedupKey}`;
      const token = randomUUID();
      const windowEnds = now.getTime() + windowMs;
      try {
        await dynamodb.call('PutItem', {
          TableName: tableName,
          Item: {
            pk: s(pk),
            token: s(token),
            firstSeen: s(now.toISOString()),
            lastSeen: s(now.toISOString()),
            windowEnds: n(windowEnds),
            occurrences: n(1),
            reported: n(1),
            latest: s(JSON.stringify(compact(finding))),
            expiresAt: n(Math.ceil(windowEnds / 1000) + DAY_SECONDS),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR windowEnds <= :now',
          ExpressionAttributeValues: { ':now': n(now.getTime()) },
        });
        return { first: true, token };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      try {
        const out = await dynamodb.call<UpdateItemOutput>('UpdateItem', {
          TableName: tableName,
          Key: key(pk),
          UpdateExpression: 'SET occurrences = occurrences + :one, lastSeen = :lastSeen, latest = :latest',
          ConditionExpression: 'attribute_exists(pk) AND windowEnds > :now',
          ExpressionAttributeValues: { ':one': n(1), ':now': n(now.getTime()), ':lastSeen': s(now.toISOString()), ':latest': s(JSON.stringify(compact(finding))) },
          ReturnValues: 'UPDATED_NEW',
        });
        const minute = Math.floor(now.getTime() / 60_000);
        await dynamodb.call('UpdateItem', {
          TableName: tableName,
          Key: key(`repeats#${minute}`),
          UpdateExpression: 'ADD dedupKeys :k SET expiresAt = :exp',
          ExpressionAttributeValues: { ':k': { SS: [dedupKey] }, ':exp': n(minute * 60 + DAY_SECONDS) },
        });
        return { first: false, count: Number(out.Attributes?.occurrences?.N ?? '0') };
      } catch (error) {
        // The window closed between the two writes: this occurrence opens the next one.
        if (isConditionFailure(error)) return this.claim(dedupKey, finding, new Date(Math.max(now.getTime(), Date.now())), windowMs);
        throw error;
      }
    },

    async release(dedupKey, token) {
      try {
        await dynamodb.call('DeleteItem', {
          TableName: tableName,
          Key: key(`dedup#${dedupKey}`),
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':token': s(token) },
        });
      } catch (error) {
        if (!isConditionFailure(error)) throw error; // someone else's window now: nothing of ours to release
      }
    },

    async takeUnreported(dedupKey) {
      const item = (await batchGet([`dedup#${dedupKey}`])).get(`dedup#${dedupKey}`);
      if (!item) return undefined;
      const count = Number(item.occurrences?.N ?? '0');
      const reported = Number(item.reported?.N ?? '0');
      if (count <= reported) return undefined;
      try {
        await dynamodb.call('UpdateItem', {
          TableName: tableName,
          Key: key(`dedup#${dedupKey}`),
          UpdateExpression: 'SET reported = :count',
          ConditionExpression: 'reported = :reported AND #token = :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':count': n(count), ':reported': n(reported), ':token': s(item.token?.S ?? '') },
        });
      } catch (error) {
        if (isConditionFailure(error)) return undefined; // another flusher took them, or a new window began
        throw error;
      }
      return {
        key: dedupKey,
        finding: JSON.parse(item.latest?.S ?? 'null') as Finding,
        count,
        reportedBefore: reported,
        firstSeen: item.firstSeen?.S ?? '',
        lastSeen: item.lastSeen?.S ?? '',
        windowEnds: new Date(Number(item.windowEnds?.N ?? '0')).toISOString(),
      };
    },

    async untake(taken) {
      try {
        await dynamodb.call('UpdateItem', {
          TableName: tableName,
          Key: key(`dedup#${taken.key}`),
          UpdateExpression: 'SET reported = :before',
          ConditionExpression: 'reported = :count',
          ExpressionAttributeValues: { ':before': n(taken.reportedBefore), ':count': n(taken.count) },
        });
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    },

    async keysWithRepeats(minutes) {
      const items = await batchGet(minutes.map((m) => `repeats#${m}`));
      return [...new Set([...items.values()].flatMap((item) => item.dedupKeys?.SS ?? []))].sort();
    },

    async countInMinute(minute) {
      const out = await dynamodb.call<UpdateItemOutput>('UpdateItem', {
        TableName: tableName,
        Key: key(`storm#${minute}`),
        UpdateExpression: 'ADD findings :one SET expiresAt = :exp',
        ExpressionAttributeValues: { ':one': n(1), ':exp': n(minute * 60 + DAY_SECONDS) },
        ReturnValues: 'UPDATED_NEW',
      });
      return Number(out.Attributes?.findings?.N ?? '0');
    },

    async hold(minute, seq, entry) {
      // One item per held finding (seq is unique: it comes from the atomic counter): no hot item.
      await dynamodb.call('PutItem', {
        TableName: tableName,
        Item: { pk: s(`held#${minute}#${seq}`), entry: s(JSON.stringify(entry)), expiresAt: n(minute * 60 + DAY_SECONDS) },
      });
    },

    async claimDigests(minutes, threshold, now) {
      const counters = await batchGet(minutes.map((m) => `storm#${m}`));
      const claimed: ClaimedDigest[] = [];
      for (const minute of minutes) {
        const counter = counters.get(`storm#${minute}`);
        const findings = Number(counter?.findings?.N ?? '0');
        if (!counter || findings <= threshold || counter.digestToken) continue;
        const token = randomUUID();
        try {
          await dynamodb.call('UpdateItem', {
            TableName: tableName,
            Key: key(`storm#${minute}`),
            UpdateExpression: 'SET digestToken = :token, digestAt = :at',
            ConditionExpression: 'attribute_not_exists(digestToken)',
            ExpressionAttributeValues: { ':token': s(token), ':at': s(now.toISOString()) },
          });
        } catch (error) {
          if (isConditionFailure(error)) continue; // another run claimed it
          throw error;
        }
        const keys = Array.from({ length: findings - threshold }, (_, seq) => `held#${minute}#${seq}`);
        const items = await batchGet(keys);
        const entries = keys.flatMap((k) => {
          const text = items.get(k)?.entry?.S;
          return text ? [JSON.parse(text) as DigestEntry] : [];
        });
        claimed.push({ minute, token, entries });
      }
      return claimed;
    },

    async unclaimDigest(digest) {
      try {
        await dynamodb.call('UpdateItem', {
          TableName: tableName,
          Key: key(`storm#${digest.minute}`),
          UpdateExpression: 'REMOVE digestToken, digestAt',
          ConditionExpression: 'digestToken = :token',
          ExpressionAttributeValues: { ':token': s(digest.token) },
        });
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    },

    async takeSlot(second, limit) {
      try {
        await dynamodb.call('UpdateItem', {
          TableName: tableName,
          Key: key(`rate#${second}`),
          UpdateExpression: 'ADD publishes :one SET expiresAt = :exp',
          ConditionExpression: 'attribute_not_exists(publishes) OR publishes < :limit',
          ExpressionAttributeValues: { ':one': n(1), ':limit': n(limit), ':exp': n(second + 3600) },
        });
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
  };
}
