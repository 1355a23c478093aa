import { createHash } from 'node:crypto';
import { CONDITIONAL_CHECK_FAILED, type UpdateItemOutput } from '../aws/dynamodb-json';
import { isErrorNamed } from '../aws/errors';
import type { JsonService } from '../aws/wire/json';
import type { Finding } from '../controls/types';

export interface LoopLimits {
  /** Remediations of the same control on the same resource allowed in a window (policy remediationLoop.maxRemediations). */
  maxRemediations: number;
  windowMinutes: number;
}

export type LoopClaim = { allowed: true; count: number } | { allowed: false; count: number };

/**
 * Counts the responder's remediations per control and resource, so it stops fighting another
 * automation (a Terraform apply, a pipeline) that keeps re-applying the change it undoes.
 */
export interface RemediationLoopGuard {
  readonly iamActions: readonly string[];
  /**
   * Claims one remediation of `key` in the current window for this occurrence (a CloudTrail
   * event id; a retry of the same event claims nothing new). Refused once `maxRemediations`
   * other occurrences have claimed the window.
   */
  claim(key: string, occurrenceId: string, now: Date, limits: LoopLimits): Promise<LoopClaim>;
}

/** The change a loop is about: one control on one resource, in one account and region (bounded length). */
export function loopKeyOf(finding: Pick<Finding, 'account' | 'region' | 'control' | 'resource'>): string {
  const plain = `${finding.account}#${finding.region}#${finding.control}#${finding.resource}`;
  return plain.length <= 512 ? plain : `${plain.slice(0, 200)}#sha256:${createHash('sha256').update(plain).digest('hex')}`;
}

const windowOf = (now: Date, limits: LoopLimits) => Math.floor(now.getTime() / (limits.windowMinutes * 60_000));

/** In memory, for tests and local runs: the same semantics. */
export function memoryLoopGuard(): RemediationLoopGuard {
  const windows = new Map<string, Set<string>>();
  return {
    iamActions: [],
    async claim(key, occurrenceId, now, limits) {
      const id = `${key}#${windowOf(now, limits)}`;
      const claimed = windows.get(id) ?? new Set<string>();
      windows.set(id, claimed);
      if (claimed.has(occurrenceId) || claimed.size < limits.maxRemediations) {
        claimed.add(occurrenceId);
        return { allowed: true, count: claimed.size };
      }
      return { allowed: false, count: claimed.size };
    },
  };
}

/**
 * The guard in the shared state table (serverless/resources/state.yml: partition key `pk`, TTL
 * `expiresAt`). One item per key and (tumbling) window: `loop#<key>#<window>`. Each claim is one
 * conditional UpdateItem that ADDs the occurrence id to a string set only while the set holds
 * fewer than the limit (or already holds this id): concurrent invocations can never claim more
 * than the limit between them. Items expire one window after theirs ends.
 */
export function dynamoDbLoopGuard(dynamodb: JsonService, tableName: string): RemediationLoopGuard {
  return {
    iamActions: ['dynamodb:UpdateItem'],
    async claim(key, occurrenceId, now, limits) {
      const window = windowOf(now, limits);
      const windowSeconds = limits.windowMinutes * 60;
      try {
        const { Attributes } = await dynamodb.call<UpdateItemOutput>('UpdateItem', {
          TableName: tableName,
          Key: { pk: { S: `loop#${key}#${window}` } },
          UpdateExpression: 'ADD remediations :occurrences SET expiresAt = if_not_exists(expiresAt, :expiresAt)',
          ConditionExpression: 'attribute_not_exists(remediations) OR size(remediations) < :max OR contains(remediations, :occurrence)',
          ExpressionAttributeValues: {
            ':occurrences': { SS: [occurrenceId] },
            ':occurrence': { S: occurrenceId },
            ':max': { N: String(limits.maxRemediations) },
            ':expiresAt': { N: String((window + 2) * windowSeconds) },
          },
          ReturnValues: 'ALL_NEW',
        });
        return { allowed: true, count: Attributes?.remediations?.SS?.length ?? 1 };
      } catch (error) {
        if (isErrorNamed(error, CONDITIONAL_CHECK_FAILED)) {
          return { allowed: false, count: limits.maxRemediations };
        }
        throw error;
      }
    },
  };
}
