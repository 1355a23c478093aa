import type { Snapshotter } from '../baseline/snapshotter';
import type { BaselineSeeder, BaselineStore } from '../baseline/types';
import type { Policy } from '../policy/schema';
import { errorFields, type Logger } from '../util/log';
import type { TagDirectory } from '../aws/tag-directory';
import { policyWithTagProtected } from '../tags/policy';
import { taggableKindOfArn } from '../tags/resources';
import type { TagSet } from '../tags/types';

export interface SnapshotDeps {
  policy: Policy;
  snapshotters: readonly Snapshotter[];
  baselines: BaselineStore & BaselineSeeder;
  now: () => Date;
  log: Logger;
  /** Lists tagged resources when the policy has tag rules: protection by tag, and the tags each baseline records. */
  tagDirectory?: TagDirectory;
}

export interface SnapshotSummary {
  /** Baselines written: resources that had none (or every captured one, on a refresh). */
  stored: number;
  /** Resources that already had a baseline, left as they were. */
  kept: number;
  failures: Array<{ kind: string; error: string }>;
}

/** The account's tagged resources when the policy has tag rules; a listing that fails is reported, and globs alone decide. */
async function taggedResources(deps: SnapshotDeps, summary: SnapshotSummary): Promise<ReadonlyMap<string, TagSet> | undefined> {
  if (deps.policy.tags.length === 0 || !deps.tagDirectory) return undefined;
  try {
    return await deps.tagDirectory.taggedResources();
  } catch (error) {
    deps.log.error('listing tagged resources failed: resources protected only by tags are not captured this time', errorFields(error));
    summary.failures.push({ kind: 'tags', error: `${(error as Error).name ?? 'Error'}: ${(error as Error).message}` });
    return undefined;
  }
}

/**
 * Captures every protected resource of every kind. By default it only fills in resources
 * that have no baseline yet: live state may already hold an untrusted change, and only a
 * trusted principal's change may move a baseline. `refresh` (an operator invoking the
 * function by hand, itself a trusted act) overwrites them with live state.
 * One kind failing never stops the others; its failure is reported.
 */
export async function snapshotAll(deps: SnapshotDeps, { refresh = false }: { refresh?: boolean } = {}): Promise<SnapshotSummary> {
  const summary: SnapshotSummary = { stored: 0, kept: 0, failures: [] };
  const tagged = await taggedResources(deps, summary);
  // Resources only a tag protects are captured too; every baseline keeps the tags it had, which
  // still decide after the resource is deleted.
  const policy = tagged ? policyWithTagProtected(deps.policy, tagged, taggableKindOfArn) : deps.policy;
  for (const snapshotter of deps.snapshotters) {
    try {
      for await (const captured of snapshotter.captureAll(policy)) {
        const tags = tagged?.get(captured.resource);
        const baseline = { ...captured, ...(tags ? { tags } : {}), capturedAt: deps.now().toISOString(), source: refresh ? 'snapshot (refresh)' : 'snapshot' };
        if (refresh) {
          await deps.baselines.put(baseline);
          summary.stored += 1;
        } else if (await deps.baselines.putIfAbsent(baseline)) {
          summary.stored += 1;
        } else {
          summary.kept += 1;
        }
      }
    } catch (error) {
      deps.log.error('snapshot of a kind failed', { kind: snapshotter.kind, ...errorFields(error) });
      summary.failures.push({ kind: snapshotter.kind, error: `${(error as Error).name ?? 'Error'}: ${(error as Error).message}` });
    }
  }
  deps.log.info('snapshot done', { ...summary, refresh });
  return summary;
}
