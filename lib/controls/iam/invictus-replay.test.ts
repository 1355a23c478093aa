/**
 * Replaying every IAM grant of the invictus attack simulation (copied to
 * test/fixtures/cloudtrail-logs, see ATTRIBUTION.md) with the repository's policy.yml: the two
 * AdministratorAccess attachments are found; the two customer managed policies cannot be read
 * in replay and are reported as not evaluated (info); the rest grant no EventBridge power.
 */
import path from 'node:path';
import { BUNDLED_POLICY, main } from '../../replay/cli';

const SUBSET = path.resolve(__dirname, '../../../test/fixtures/cloudtrail-logs/invictus-aws-dataset_iam-grants-subset.json');

describe('replaying the invictus IAM grants with policy.yml', () => {
  it('flags exactly the AdministratorAccess grants, and says which policies it could not evaluate', async () => {
    // Prepare
    let stdout = '';
    const io = { stdout: (t: string) => (stdout += t), stderr: () => undefined, isTerminal: false };

    // Act
    const code = await main(['replay', SUBSET, '--config', BUNDLED_POLICY, '--format', 'ndjson'], io, new Date('2026-01-15T12:00:00Z'));

    // Assess
    expect(code).toBe(0);
    const findings = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { control: string; severity: string; eventName: string; resource: string });
    expect(findings.map((f) => [f.control, f.severity, f.eventName, f.resource]).sort()).toEqual([
      ['iam-eventbridge-overgrant', 'high', 'AttachRolePolicy', 'arn:aws:iam::123837392027:role/stratus-red-team-backdoor-r-role'],
      ['iam-eventbridge-overgrant', 'high', 'AttachUserPolicy', 'arn:aws:iam::123837392027:user/malicious-iam-user'],
      ['iam-eventbridge-overgrant', 'info', 'AttachRolePolicy', 'arn:aws:iam::123837392027:role/stratus-red-team-ec2lui-role-pcccexdthk'],
      ['iam-eventbridge-overgrant', 'info', 'AttachRolePolicy', 'arn:aws:iam::123837392027:role/stratus-red-team-ec2lui-role-wuzemnoeqa'],
    ]);
  });
});
