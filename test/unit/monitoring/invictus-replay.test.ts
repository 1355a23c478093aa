/**
 * Replaying real attack-simulation logs (a subset of the invictus-ir/aws_dataset, copied to
 * test/fixtures/cloudtrail-logs, see ATTRIBUTION.md) with the repository's policy.yml through
 * the replay command: the successful trail tampering is found, its failed attempts and the
 * unrelated noise (denied EC2/STS calls, Lambda and IAM changes, EC2 networking) are not.
 */
import path from 'node:path';
import { BUNDLED_POLICY, main } from '../../../lib/replay/cli';

const SUBSET = path.resolve(__dirname, '../../fixtures/cloudtrail-logs/invictus-aws-dataset_trail-tampering-subset.json');

async function replayNdjson(file: string) {
  let stdout = '';
  let stderr = '';
  const code = await main(['replay', file, '--config', BUNDLED_POLICY, '--format', 'ndjson'], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), isTerminal: false }, new Date('2026-01-15T12:00:00Z'));
  const findings = stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { control: string; eventName: string; resource: string; eventId: string });
  return { code, findings, stderr };
}

describe('replaying the invictus attack simulation (subset) with policy.yml', () => {
  it('finds the weakened event selectors and both deleted trails, and nothing else', async () => {
    const { code, findings, stderr } = await replayNdjson(SUBSET);

    expect(code).toBe(0);
    expect(stderr).toContain('replayed 68 record(s)');
    expect(findings.map((f) => [f.control, f.eventName, f.resource]).sort()).toEqual([
      ['trail-deleted', 'DeleteTrail', 'arn:aws:cloudtrail:us-east-1:123837392027:trail/stratus-red-team-ctes-trail-qyxyekjbtk'],
      ['trail-deleted', 'DeleteTrail', 'arn:aws:cloudtrail:us-east-1:123837392027:trail/stratus-red-team-ctlr-trail-zqfsvooxqj'],
      ['trail-selectors-weakened', 'PutEventSelectors', 'arn:aws:cloudtrail:us-east-1:123837392027:trail/stratus-red-team-ctes-trail-qyxyekjbtk'],
    ]);
  });
});
