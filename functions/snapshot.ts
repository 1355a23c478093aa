import type { Context } from 'aws-lambda';
import { createSnapshotHandler, startupFailedHandler } from '../lib/snapshot/handler';
import { snapshotDepsFromEnvironment } from '../lib/responder/wiring';

/**
 * Built once per container: policy validated, SDK clients created, at cold start. If that
 * fails, CloudFormation is still answered (an unanswered custom resource hangs a deploy).
 */
function build(): (event: unknown, context: Context) => Promise<unknown> {
  try {
    return createSnapshotHandler(snapshotDepsFromEnvironment());
  } catch (error) {
    console.error(JSON.stringify({ level: 'error', message: 'snapshot function could not start', error: { name: (error as Error).name, message: (error as Error).message } }));
    return startupFailedHandler(error);
  }
}

export const handler = build();
