import type { Context } from 'aws-lambda';
import { errorFields } from '../util/log';
import { snapshotAll, type SnapshotDeps, type SnapshotSummary } from './snapshot';

/** The request CloudFormation sends a custom resource (AWS::CloudFormation::CustomResource). */
export interface CustomResourceRequest {
  RequestType: 'Create' | 'Update' | 'Delete';
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  ResourceProperties?: Record<string, unknown>;
}

export interface CustomResourceResponse {
  Status: 'SUCCESS' | 'FAILED';
  Reason: string;
  PhysicalResourceId: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  Data?: Record<string, unknown>;
}

/** Sends the answer to the pre-signed S3 URL CloudFormation waits on. */
export type CustomResourceAnswer = (url: string, response: CustomResourceResponse) => Promise<void>;

/** Some kinds could not be captured: the invocation fails so the function's Errors alarm fires. */
export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
}

export function isCustomResourceRequest(event: unknown): event is CustomResourceRequest {
  const e = event as Partial<CustomResourceRequest> | null;
  return typeof e?.ResponseURL === 'string' && typeof e.RequestType === 'string' && typeof e.StackId === 'string';
}

export const httpsAnswer: CustomResourceAnswer = async (url, response) => {
  const body = JSON.stringify(response);
  // The URL is pre-signed without a content type: send none.
  const res = await fetch(url, { method: 'PUT', body, headers: { 'content-type': '' } });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`CloudFormation response upload failed: HTTP ${res.status}`);
};

const PHYSICAL_ID = 'drift-responder-baseline-snapshot';
/** Answer CloudFormation this long before the function would time out, whatever the snapshot is doing. */
const ANSWER_MARGIN_MS = 10_000;

function reasonOf(summary: SnapshotSummary | undefined): string {
  if (!summary) return 'snapshot still running when the function had to answer; the scheduled snapshot completes it';
  const failed = summary.failures.map((f) => `${f.kind} (${f.error})`).join('; ');
  return `baselines stored: ${summary.stored}, already present: ${summary.kept}${failed ? `; failed: ${failed}` : ''}`;
}

/**
 * The snapshot function: on a schedule, on every deploy (as a CloudFormation custom
 * resource), or by hand (`{"refresh": true}` overwrites baselines with live state).
 *
 * A custom resource request is ALWAYS answered, before the function times out and even
 * when the snapshot fails (a stack waiting on an unanswered custom resource hangs for an
 * hour): SUCCESS, with what failed in the reason. A failed snapshot must not roll a
 * deploy back (the rollback would run it again); the invocation then fails so the Errors
 * alarm reports it, and the next scheduled run retries.
 */
export function createSnapshotHandler(deps: SnapshotDeps, answer: CustomResourceAnswer = httpsAnswer) {
  return async (event: unknown, context: Pick<Context, 'getRemainingTimeInMillis'>): Promise<SnapshotSummary | CustomResourceResponse> => {
    if (!isCustomResourceRequest(event)) {
      const refresh = (event as { refresh?: unknown } | null)?.refresh === true;
      const summary = await snapshotAll(deps, { refresh });
      if (summary.failures.length > 0) throw new SnapshotError(reasonOf(summary));
      return summary;
    }

    let summary: SnapshotSummary | undefined;
    let crashed: unknown;
    if (event.RequestType !== 'Delete') {
      // Deleting the stack keeps the table (DeletionPolicy Retain) and needs no snapshot.
      const budget = Math.max(1000, context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS);
      let timer: NodeJS.Timeout | undefined;
      try {
        summary = await Promise.race([
          snapshotAll(deps),
          new Promise<undefined>((resolve) => {
            timer = setTimeout(() => resolve(undefined), budget);
          }),
        ]);
      } catch (error) {
        crashed = error;
        deps.log.error('snapshot on deploy failed', errorFields(error));
      } finally {
        clearTimeout(timer);
      }
    }
    const response: CustomResourceResponse = {
      Status: 'SUCCESS',
      Reason: (event.RequestType === 'Delete' ? 'nothing to do: the baseline table is retained' : crashed ? `snapshot failed: ${(crashed as Error).message}` : reasonOf(summary)).slice(0, 1000),
      PhysicalResourceId: event.PhysicalResourceId ?? PHYSICAL_ID,
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
      Data: summary ? { Stored: summary.stored, Kept: summary.kept, Failed: summary.failures.length } : {},
    };
    await answer(event.ResponseURL, response);
    deps.log.info('answered CloudFormation', { requestType: event.RequestType, status: response.Status, reason: response.Reason });
    if (crashed || (summary && summary.failures.length > 0)) throw new SnapshotError(response.Reason, { cause: crashed });
    return response;
  };
}

/**
 * The handler when the function could not even start (bad environment or policy): it still
 * answers CloudFormation (FAILED on create/update, so the deploy stops and says why;
 * SUCCESS on delete, so a broken function never blocks deleting the stack), then fails.
 */
export function startupFailedHandler(startupError: unknown, answer: CustomResourceAnswer = httpsAnswer) {
  return async (event: unknown): Promise<never> => {
    if (isCustomResourceRequest(event)) {
      await answer(event.ResponseURL, {
        Status: event.RequestType === 'Delete' ? 'SUCCESS' : 'FAILED',
        Reason: `snapshot function could not start: ${(startupError as Error).message}`.slice(0, 1000),
        PhysicalResourceId: event.PhysicalResourceId ?? PHYSICAL_ID,
        StackId: event.StackId,
        RequestId: event.RequestId,
        LogicalResourceId: event.LogicalResourceId,
      });
    }
    throw startupError;
  };
}
