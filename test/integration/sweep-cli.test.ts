// `drift-responder sweep --endpoint URL`: the same sweep against any endpoint (here the moto
// server), credentials from the default chain. Report-only by default; --remediate acts.
// In a region of its own; names are unique per run and moto is never reset.
import { CreateKeyCommand, DescribeKeyCommand, DisableKeyCommand, EnableKeyRotationCommand, KMSClient } from '@aws-sdk/client-kms';
import { randomUUID } from 'node:crypto';
import { sweepMain } from '../../lib/sweep/cli';
import { awsClientConfig, motoEndpoint } from './harness/aws';
import { writePolicy } from './harness/functions';

jest.setTimeout(120_000);

const REGION = 'eu-north-1';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await sweepMain(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('drift-responder sweep', () => {
  let kms: KMSClient;
  let keyArn: string;
  let policyFile: string;

  beforeAll(async () => {
    kms = new KMSClient({ ...awsClientConfig(), region: REGION });
    keyArn = (await kms.send(new CreateKeyCommand({ Description: `sweep-cli-${randomUUID()}` }))).KeyMetadata!.Arn!;
    await kms.send(new EnableKeyRotationCommand({ KeyId: keyArn }));
    // moto 5.2.5 finds a key by id only for DisableKey (an ARN makes it answer HTTP 500).
    await kms.send(new DisableKeyCommand({ KeyId: keyArn.split('/').pop() }));
    policyFile = writePolicy([`protect: { keys: ["${keyArn}"] }`, 'controls:', '  key-disabled: { mode: remediate, dryRun: false }'].join('\n'));
  });

  const keyFindings = (ndjson: string) =>
    ndjson
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .filter((f) => f.resource === keyArn);

  it('reports the drift and changes nothing without --remediate', async () => {
    // Act
    const run = await cli(['--endpoint', motoEndpoint(), '--region', REGION, '--config', policyFile, '--format', 'ndjson']);
    // Assess
    expect(run.code).toBe(0);
    expect(keyFindings(run.stdout)).toEqual([
      expect.objectContaining({ control: 'key-disabled', eventName: 'DisableKey', remediation: expect.objectContaining({ status: 'planned' }), actor: expect.objectContaining({ type: 'DriftResponderSweep' }) }),
    ]);
    expect(run.stderr).toMatch(/swept \d+ item\(s\) in 123456789012 eu-north-1/);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: keyArn }))).KeyMetadata?.KeyState).toBe('Disabled');
  });

  it('fixes the drift with --remediate', async () => {
    // Act
    const run = await cli(['--endpoint', motoEndpoint(), '--region', REGION, '--config', policyFile, '--format', 'ndjson', '--remediate']);
    // Assess
    expect(run.code).toBe(0);
    expect(keyFindings(run.stdout).map((f) => [f.control, f.remediation.status])).toEqual([['key-disabled', 'applied']]);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: keyArn }))).KeyMetadata?.KeyState).toBe('Enabled');
  });

  it.each([
    ['an unknown format', ['--format', 'html']],
    ['an unknown option', ['--fast']],
  ])('rejects %s with exit status 2', async (_name, args) => {
    // Act
    const run = await cli(args);
    // Assess
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
  });
});
