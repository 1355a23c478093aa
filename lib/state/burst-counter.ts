import type { BurstCount } from '../controls/access-denied/controls';

/**
 * Counts occurrences per key and window and says which single occurrence crosses the
 * threshold. Recording the same occurrence twice (a Lambda retry) counts it once.
 */
export interface BurstCounter {
  readonly iamActions: readonly string[];
  /** True for exactly one occurrence per key: the one that brings the count to the threshold (or a retry of it). */
  record(burst: BurstCount, occurrenceId: string): Promise<boolean>;
}

/** In memory, for replay and tests: the same semantics, synchronously as well. */
export function memoryBurstCounter(): BurstCounter & { recordNow(burst: BurstCount, occurrenceId: string): boolean } {
  const windows = new Map<string, { occurrences: Set<string>; alertedBy?: string }>();
  const recordNow = (burst: BurstCount, occurrenceId: string): boolean => {
    const window = windows.get(burst.key) ?? { occurrences: new Set<string>() };
    windows.set(burst.key, window);
    if (window.alertedBy !== undefined) return window.alertedBy === occurrenceId;
    window.occurrences.add(occurrenceId);
    if (window.occurrences.size < burst.threshold) return false;
    window.alertedBy = occurrenceId;
    return true;
  };
  return { iamActions: [], recordNow, record: async (burst, occurrenceId) => recordNow(burst, occurrenceId) };
}

/**
 * The pipeline's gate for a finding that counts (FindingDraft.burst): true when this
 * occurrence crosses the threshold. Without a counter nothing can be counted safely,
 * so nothing passes (and the configuration gap is logged).
 */
export async function crossesBurst(
  counter: BurstCounter | undefined,
  burst: BurstCount,
  occurrenceId: string,
  log: { warn(message: string, fields?: Record<string, unknown>): void; debug(message: string, fields?: Record<string, unknown>): void },
): Promise<boolean> {
  if (!counter) {
    log.warn('no burst counter configured (STATE_TABLE unset): counted finding dropped', { key: burst.key });
    return false;
  }
  const crossed = await counter.record(burst, occurrenceId);
  if (!crossed) log.debug('counted towards a burst, below its threshold or already alerted', { key: burst.key, threshold: burst.threshold });
  return crossed;
}
