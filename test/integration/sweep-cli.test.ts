// `drift-responder sweep --endpoint URL`: the same sweep against any endpoint (here the moto
// server), credentials from the default chain. Report-only by default; --remediate acts.
// In a region of its own; names are unique per run and moto is never reset.
import { CreateKeyCommand, DescribeKeyCommand, DisableKeyCommand, EnableKeyRotationCommand, KMSClient } from '@aws-sdk/client-kms';
import { AttachRolePolicyCommand, CreatePolicyCommand, CreateRoleCommand, GetRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
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

  describe('with sweep.iamGrants: IAM grants as they are (IAM is global: findings are filtered to this test\'s roles)', () => {
    const iam = new IAMClient({ ...awsClientConfig(), region: REGION });
    const id = randomUUID().slice(0, 8);
    const ADMIN_OVER_EVENTBRIDGE = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'events:*', Resource: '*' }] });
    const assumeByLambda = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
    let roles: { inline: string; managed: string; trusted: string };
    let iamPolicyFile: string;

    beforeAll(async () => {
      const create = async (name: string) => (await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: assumeByLambda }))).Role!.Arn!;
      roles = { inline: await create(`sweep-inline-${id}`), managed: await create(`sweep-managed-${id}`), trusted: await create(`sweep-trusted-${id}`) };
      await iam.send(new PutRolePolicyCommand({ RoleName: `sweep-inline-${id}`, PolicyName: 'events-admin', PolicyDocument: ADMIN_OVER_EVENTBRIDGE }));
      await iam.send(new PutRolePolicyCommand({ RoleName: `sweep-trusted-${id}`, PolicyName: 'events-admin', PolicyDocument: ADMIN_OVER_EVENTBRIDGE }));
      // moto has no AWS managed policies: a customer managed one with the same power, read live by the control.
      const policyArn = (await iam.send(new CreatePolicyCommand({ PolicyName: `events-admin-${id}`, PolicyDocument: ADMIN_OVER_EVENTBRIDGE }))).Policy!.Arn!;
      await iam.send(new AttachRolePolicyCommand({ RoleName: `sweep-managed-${id}`, PolicyArn: policyArn }));
      iamPolicyFile = writePolicy(
        [`trustedPrincipals: ["${roles.trusted}"]`, 'sweep: { iamGrants: true }', 'controls:', '  iam-eventbridge-overgrant: { mode: remediate, dryRun: false }'].join('\n'),
      );
    });

    const mine = (ndjson: string) =>
      ndjson
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line))
        .filter((f) => Object.values(roles).includes(f.resource))
        .map((f) => [f.control, f.resource, f.eventName, f.remediation.status])
        .sort();

    it('raises the grants of EventBridge administrative power to untrusted roles, inline and managed, and alerts them only (never revokes)', async () => {
      // Act
      const run = await cli(['--endpoint', motoEndpoint(), '--region', REGION, '--config', iamPolicyFile, '--format', 'ndjson', '--remediate']);
      // Assess
      expect(run.code).toBe(0);
      expect(mine(run.stdout)).toEqual(
        [
          ['iam-eventbridge-overgrant', roles.inline, 'PutRolePolicy', 'skipped'],
          ['iam-eventbridge-overgrant', roles.managed, 'AttachRolePolicy', 'skipped'],
        ].sort(),
      );
      // The inline policy is still there: the sweep alerts standing grants, it does not revoke them.
      expect((await iam.send(new GetRolePolicyCommand({ RoleName: `sweep-inline-${id}`, PolicyName: 'events-admin' }))).PolicyName).toBe('events-admin');
    });

    it('judges no IAM grant unless sweep.iamGrants is on', async () => {
      // Act
      const run = await cli(['--endpoint', motoEndpoint(), '--region', REGION, '--config', policyFile, '--format', 'ndjson']);
      // Assess
      expect(mine(run.stdout)).toEqual([]);
    });
  });
});
