/**
 * The KMS adapter over the functions' own JSON client: what it asks KMS, how it reads the
 * answers (timestamps are epoch seconds in JSON), how it pages, and which errors mean "gone".
 * moto answers list calls in one page, so paging is proven here; the calls themselves run
 * against moto in test/integration/encryption-response.test.ts.
 */
import { fakeJsonService, jsonError, scriptedJsonService } from '../../test/support/json-services';
import type { PolicyDocument } from '../iam/policy-document';
import { kmsAdapter } from './kms';
import { KMS } from './wire/services';

const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY = `arn:aws:kms:us-east-1:123456789012:key/${KEY_ID}`;
const NAMESPACE = 'com.amazonaws.kms';

/** KeyMetadata as KMS's JSON answer has it: dates in epoch seconds. */
const metadata = (extra: Record<string, unknown> = {}) => ({
  KeyId: KEY_ID,
  Arn: KEY,
  AWSAccountId: '123456789012',
  CreationDate: 1_732_000_000.123,
  Enabled: true,
  KeyState: 'Enabled',
  KeySpec: 'SYMMETRIC_DEFAULT',
  KeyUsage: 'ENCRYPT_DECRYPT',
  Origin: 'AWS_KMS',
  KeyManager: 'CUSTOMER',
  ...extra,
});

describe('kmsAdapter', () => {
  it('describes a key, with its rotation where rotation applies', async () => {
    // Prepare
    const { service, calls } = fakeJsonService((operation) => (operation === 'DescribeKey' ? { KeyMetadata: metadata() } : { KeyRotationEnabled: true }));

    // Act
    const key = await kmsAdapter(service).describeKey(KEY);

    // Assess
    expect(key).toEqual({ keyId: KEY_ID, arn: KEY, keyState: 'Enabled', keySpec: 'SYMMETRIC_DEFAULT', keyUsage: 'ENCRYPT_DECRYPT', origin: 'AWS_KMS', keyManager: 'CUSTOMER', rotationEnabled: true });
    expect(calls).toEqual([
      { operation: 'DescribeKey', input: { KeyId: KEY } },
      { operation: 'GetKeyRotationStatus', input: { KeyId: KEY } },
    ]);
  });

  it('does not ask the rotation of a key pending deletion (KMS rejects it)', async () => {
    // Prepare
    const { service, calls } = fakeJsonService(() => ({ KeyMetadata: metadata({ Enabled: false, KeyState: 'PendingDeletion', DeletionDate: 1_734_000_000, PendingDeletionWindowInDays: 7 }) }));

    // Act
    const key = await kmsAdapter(service).describeKey(KEY);

    // Assess
    expect(key).toMatchObject({ keyState: 'PendingDeletion' });
    expect(key).not.toHaveProperty('rotationEnabled');
    expect(calls.map((c) => c.operation)).toEqual(['DescribeKey']);
  });

  it('reads the key state from Enabled when KMS leaves KeyState out', async () => {
    // Prepare
    const { service } = fakeJsonService(() => ({ KeyMetadata: metadata({ KeyState: undefined, Enabled: false, KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }) }));

    // Act
    const key = await kmsAdapter(service).describeKey(KEY);

    // Assess
    expect(key?.keyState).toBe('Disabled');
  });

  it('reads a key KMS answers NotFoundException for as gone, and a grant on it as absent', async () => {
    // Prepare
    const notFound = jsonError(400, NAMESPACE, 'NotFoundException');
    const { service } = scriptedJsonService(KMS, notFound, notFound, notFound);
    const adapter = kmsAdapter(service);

    // Act
    const key = await adapter.describeKey(KEY);
    const grant = await adapter.grantExists(KEY, 'g-1');
    const revoked = adapter.revokeGrant(KEY, 'g-1');

    // Assess
    expect(key).toBeUndefined();
    expect(grant).toBe(false);
    await expect(revoked).resolves.toBeUndefined();
  });

  it('lets any other refusal through', async () => {
    // Prepare
    const { service } = scriptedJsonService(KMS, jsonError(400, NAMESPACE, 'KMSInvalidStateException'));

    // Act
    const revoked = kmsAdapter(service).revokeGrant(KEY, 'g-1');

    // Assess
    await expect(revoked).rejects.toMatchObject({ name: 'KMSInvalidStateException' });
  });

  it('names the key by id for EnableKey and CancelKeyDeletion, and by ARN elsewhere', async () => {
    // Prepare
    const { service, calls } = fakeJsonService(() => ({}));
    const adapter = kmsAdapter(service);
    const policy: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'kms:*', Resource: '*' }] };

    // Act
    await adapter.enableKey(KEY);
    await adapter.cancelKeyDeletion(KEY);
    await adapter.enableKeyRotation(KEY);
    await adapter.putKeyPolicy(KEY, policy);

    // Assess
    expect(calls).toEqual([
      { operation: 'EnableKey', input: { KeyId: KEY_ID } },
      { operation: 'CancelKeyDeletion', input: { KeyId: KEY_ID } },
      { operation: 'EnableKeyRotation', input: { KeyId: KEY } },
      { operation: 'PutKeyPolicy', input: { KeyId: KEY, PolicyName: 'default', Policy: JSON.stringify(policy), BypassPolicyLockoutSafetyCheck: false } },
    ]);
  });

  it('takes a JSON null answer to an operation without output as success (moto answers EnableKey so)', async () => {
    // Prepare
    const { service, sent } = scriptedJsonService(KMS, { status: 200, body: 'null' }, { status: 200, body: 'null' }, { status: 200, body: 'null' });
    const adapter = kmsAdapter(service);

    // Act
    const outcomes = Promise.all([adapter.enableKey(KEY), adapter.enableKeyRotation(KEY), adapter.putKeyPolicy(KEY, { Version: '2012-10-17', Statement: [] })]);

    // Assess
    await expect(outcomes).resolves.toEqual([undefined, undefined, undefined]);
    expect(sent).toHaveLength(3);
  });

  it('reads the default key policy as a document', async () => {
    // Prepare
    const document = { Version: '2012-10-17', Statement: [{ Sid: 'root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'kms:*', Resource: '*' }] };
    const { service, calls } = fakeJsonService(() => ({ Policy: JSON.stringify(document), PolicyName: 'default' }));

    // Act
    const policy = await kmsAdapter(service).getKeyPolicy(KEY);

    // Assess
    expect(policy).toMatchObject({ Statement: [{ Sid: 'root', Effect: 'Allow' }] });
    expect(calls).toEqual([{ operation: 'GetKeyPolicy', input: { KeyId: KEY, PolicyName: 'default' } }]);
  });

  it('finds a grant by its id', async () => {
    // Prepare
    const { service, calls } = fakeJsonService(() => ({ Grants: [{ GrantId: 'g-1', KeyId: KEY, CreationDate: 1_732_000_000 }], Truncated: false }));

    // Act
    const exists = await kmsAdapter(service).grantExists(KEY, 'g-1');

    // Assess
    expect(exists).toBe(true);
    expect(calls).toEqual([{ operation: 'ListGrants', input: { KeyId: KEY, GrantId: 'g-1' } }]);
  });

  it('pages through every key and alias while KMS says Truncated', async () => {
    // Prepare
    const { service, calls } = fakeJsonService((operation, input) => {
      const second = input.Marker === 'm2';
      if (operation === 'ListKeys') return second ? { Keys: [{ KeyId: 'k-2', KeyArn: `${KEY}-2` }], Truncated: false } : { Keys: [{ KeyId: 'k-1', KeyArn: KEY }, { KeyId: 'k-x' }], Truncated: true, NextMarker: 'm2' };
      return second
        ? { Aliases: [{ AliasName: 'alias/b', TargetKeyId: 'k-2' }], Truncated: false, NextMarker: 'ignored-when-not-truncated' }
        : { Aliases: [{ AliasName: 'alias/a', TargetKeyId: 'k-1' }, { AliasName: 'alias/aws/sqs' }], Truncated: true, NextMarker: 'm2' };
    });
    const adapter = kmsAdapter(service);

    // Act
    const keys = await adapter.listKeyArns();
    const aliases = await adapter.listAliases(KEY);

    // Assess
    expect(keys).toEqual([KEY, `${KEY}-2`]);
    expect(aliases).toEqual([
      { name: 'alias/a', targetKeyId: 'k-1' },
      { name: 'alias/b', targetKeyId: 'k-2' },
    ]);
    expect(calls).toEqual([
      { operation: 'ListKeys', input: {} },
      { operation: 'ListKeys', input: { Marker: 'm2' } },
      { operation: 'ListAliases', input: { KeyId: KEY } },
      { operation: 'ListAliases', input: { Marker: 'm2', KeyId: KEY } },
    ]);
  });
});
