import { keyProtection } from '../controls/kms/keys';
import { controlIds } from '../controls/registry';
import { parsePolicy } from '../policy/load';
import { keyUsersFrom, kmsKeySnapshotter, type KmsInventoryPort } from './kms-keys';

const ACCOUNT = '111122223333';
const keyArn = (id: string) => `arn:aws:kms:us-east-1:${ACCOUNT}:key/${id}`;
const trailArn = (name: string) => `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/${name}`;

const policy = parsePolicy('protect:\n  trails: ["org-trail"]\n', 'test-policy.yml', controlIds);

/** An account with no queues, buses or topics: only trails use keys. */
function usersOf(trails: Array<{ arn: string; kmsKeyId?: string }>) {
  return keyUsersFrom({
    queues: { listQueueUrls: async () => [], getAttributes: async () => undefined },
    buses: { listBuses: async () => [], getSettings: async () => undefined },
    topics: { listTopicArns: async () => [], getAttributes: async () => undefined },
    trails: { listTrails: async () => trails },
  });
}

function inventory(keyIds: string[], aliases: Array<{ name: string; targetKeyId: string }> = []): KmsInventoryPort {
  return {
    listKeyArns: async () => keyIds.map(keyArn),
    listAliases: async (arn) => aliases.filter((a) => !arn || arn.endsWith(`/${a.targetKeyId}`)),
    describeKey: async (arn) => ({ keyId: arn.split('/').pop()!, arn, keyState: 'Enabled', keyManager: 'CUSTOMER' }) as never,
    getKeyPolicy: async () => undefined,
  };
}

describe('the KMS key snapshotter and trails', () => {
  it('lists every trail encrypted with a key among the key users, and no trail without one', async () => {
    const users = await usersOf([{ arn: trailArn('org-trail'), kmsKeyId: keyArn('k1') }, { arn: trailArn('plain') }])();
    expect(users).toEqual([{ resource: trailArn('org-trail'), keyRef: keyArn('k1') }]);
  });

  it.each([
    ['by key ARN', keyArn('k1')],
    ['by alias ARN', `arn:aws:kms:us-east-1:${ACCOUNT}:alias/trail-logs`],
  ])('records a protected trail using the key (%s) in usedBy, which makes the key protected', async (_form, kmsKeyId) => {
    const snapshotter = kmsKeySnapshotter(inventory(['k1', 'k2'], [{ name: 'alias/trail-logs', targetKeyId: 'k1' }]), usersOf([{ arn: trailArn('org-trail'), kmsKeyId }]));

    const captured = [];
    for await (const baseline of snapshotter.captureAll(policy)) captured.push(baseline);

    expect(captured.map((b) => [b.resource, (b.definition as { usedBy: string[] }).usedBy])).toEqual([[keyArn('k1'), [trailArn('org-trail')]]]);
    expect(keyProtection(captured[0]!.definition as never, policy)).toEqual([`encrypts protected ${trailArn('org-trail')}`]);
  });

  it('does not protect a key used only by a trail outside protect.trails', async () => {
    const snapshotter = kmsKeySnapshotter(inventory(['k1']), usersOf([{ arn: trailArn('scratch'), kmsKeyId: keyArn('k1') }]));

    const captured = [];
    for await (const baseline of snapshotter.captureAll(policy)) captured.push(baseline);

    expect(captured).toEqual([]);
  });

  it('asks for DescribeTrails, the call that names each trail\'s key', () => {
    expect(kmsKeySnapshotter(inventory([]), usersOf([])).iamActions).toContain('cloudtrail:DescribeTrails');
  });
});
