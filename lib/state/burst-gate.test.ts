import { cloneWith } from '../../test/support/fixtures';
import type { Alert } from '../alerts/format';
import { controlIds, controls } from '../controls/registry';
import type { Finding } from '../controls/types';
import { parseChange } from '../events/parse';
import { parsePolicy } from '../policy/load';
import { respond, type ResponderDeps } from '../responder/respond';
import { silentLogger } from '../util/log';
import { memoryBurstCounter, type BurstCounter } from './burst-counter';

const policy = parsePolicy('accessDeniedBurst: { threshold: 5, windowSeconds: 300 }\n', 'test-policy.yml', controlIds);

const denial = (i: number) =>
  parseChange(
    cloneWith('cloudtrail_StopLogging_invictus-aws-dataset_1.json', (r) => {
      r.errorCode = 'AccessDenied';
      r.eventID = `denial-${i}`;
    }),
  );

function deps(bursts: BurstCounter | undefined) {
  const published: Alert[] = [];
  const counted: Finding[] = [];
  const warnings: string[] = [];
  const d: ResponderDeps = {
    policy,
    controls,
    remediators: [],
    alerts: { iamActions: [], publish: async (alert) => void published.push(alert) },
    selfPrincipals: [],
    now: () => new Date('2026-01-01T00:00:00Z'),
    log: { ...silentLogger, warn: (message) => void warnings.push(message) },
    bursts,
    metrics: { finding: (f) => void counted.push(f) },
  };
  return { d, published, counted, warnings };
}

describe('the responder with counted findings (access-denied-burst)', () => {
  it('publishes and counts one finding for six denials, when the fifth crosses the threshold', async () => {
    const { d, published, counted } = deps(memoryBurstCounter());
    const outcomes = [];
    for (const i of [1, 2, 3, 4, 5, 6]) outcomes.push(await respond(denial(i), d));
    expect(published).toHaveLength(1);
    expect(counted.map((f) => [f.control, f.event.id])).toEqual([['access-denied-burst', 'denial-5']]);
    expect(outcomes.map((o) => o.findings.length)).toEqual([0, 0, 0, 0, 1, 0]);
  });

  it('drops counted findings (and says so) when no counter is configured', async () => {
    const { d, published, warnings } = deps(undefined);
    for (const i of [1, 2, 3, 4, 5, 6]) await respond(denial(i), d);
    expect(published).toEqual([]);
    expect(warnings).toContain('no burst counter configured (STATE_TABLE unset): counted finding dropped');
  });
});
