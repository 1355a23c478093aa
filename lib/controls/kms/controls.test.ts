import { cloneWith, fixture } from '../../../test/support/fixtures';
import { NO_BASELINES, type Baseline, type BaselineLookup } from '../../baseline/types';
import { evaluateChange } from '../evaluate';
import { parseChange } from '../../events/parse';
import { parsePolicy } from '../../policy/load';
import { controlIds, controls } from '../registry';
import type { Control, LiveState } from '../types';
import { granteeAccountOf, keyDeletionScheduled, keyDisabled, keyGrantExternal, keyPolicyBroadened, keyRotationDisabled } from './controls';
import { keyOf } from './keys';
import { KMS_KEY_BASELINE, type KmsKeyDefinition } from './types';

/** A control's recheck, called as the pipeline calls it (plan, live, change, context). */
const recheckOf = (control: Control) => control.recheck!;

const policyOf = (yaml: string) => parsePolicy(yaml, 'test-policy.yml', controlIds);
const allKeys = policyOf('trustedAccounts: ["444455556666"]\norganizationId: o-a1b2c3d4e5\nprotect: { keys: ["*"] }\n');
const noKeys = policyOf('trustedAccounts: ["444455556666"]\n');

const KEY = 'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ROOT_ADMIN = { Sid: 'root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' };

function keyBaseline(definition: Partial<KmsKeyDefinition>, arn = KEY): BaselineLookup {
  const baseline: Baseline = {
    resource: arn,
    kind: KMS_KEY_BASELINE,
    definition: { keyId: arn.split('/').pop(), arn, keyState: 'Enabled', aliases: [], usedBy: [], ...definition },
    capturedAt: '2026-01-01T00:00:00Z',
    source: 'snapshot',
  };
  return new Map([[arn, baseline]]);
}

const run = (control: Control, record: unknown, policy = allKeys, baselines: BaselineLookup = NO_BASELINES) =>
  control.evaluate(parseChange(record), { policy, baselines });

const putKeyPolicy = (statements: unknown[], extra: Record<string, unknown> = {}) =>
  cloneWith('kms_PutKeyPolicy_awsdocs-kms_1.json', (r) => {
    r.requestParameters = { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', policyName: 'default', policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }), ...extra };
  });

describe('which key a KMS record names', () => {
  it.each([
    ['a key id, with the ARN in resources', 'kms_DisableKey_awsdocs-kms_1.json', KEY],
    ['a key ARN in a sanitised 13-digit account', 'kms_DisableKey_elastic-integrations_1.json', 'arn:aws:kms:us-east-1:1010101010101:key/65479477-67d5-4b84-b71c-d540f7a8f31f'],
    ['a multi-Region key id', 'kms_ScheduleKeyDeletion_awsdocs-kms_2.json', 'arn:aws:kms:us-west-2:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab'],
    ['a key id with no resources: the ARN from responseElements', 'kms_ScheduleKeyDeletion_panther-analysis_2.json', 'arn:aws:kms:us-west-2:123456789012:key/1'],
  ])('reads %s', (_label, file, arn) => {
    expect(keyOf(parseChange(fixture(file)))?.keyArn).toBe(arn);
  });

  it('builds the ARN from the record\'s region and account when it carries only a key id', () => {
    const record = cloneWith('kms_DisableKey_awsdocs-kms_1.json', (r) => void delete r.resources);
    expect(keyOf(parseChange(record))?.keyArn).toBe('arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab');
  });

  it('names no key for a record without keyId (a hand-written Panther log)', () => {
    expect(keyOf(parseChange(fixture('kms_PutKeyPolicy_panther-analysis_1.json')))).toBeUndefined();
  });
});

describe('key-disabled', () => {
  it.each(['kms_DisableKey_awsdocs-kms_1.json', 'kms_DisableKey_elastic-integrations_1.json', 'kms_DisableKey_panther-analysis_1.json'])('flags the real DisableKey %s and plans EnableKey', (file) => {
    const [finding, ...more] = run(keyDisabled, fixture(file));
    expect(more).toEqual([]);
    expect(finding?.plan).toEqual({ kind: 'enable-key', keyArn: finding?.resource });
    expect(finding?.evidence.summary).toContain('protected by protect.keys "*"');
  });

  it('ignores a failed DisableKey (NotFoundException)', () => {
    const change = parseChange(fixture('kms_DisableKey_panther-analysis_2.json'));
    expect(evaluateChange(change, { policy: allKeys, baselines: NO_BASELINES }, controls).findings).toEqual([]);
  });

  it('ignores keys the policy does not protect', () => {
    expect(run(keyDisabled, fixture('kms_DisableKey_awsdocs-kms_1.json'), noKeys)).toEqual([]);
  });

  it.each([
    ['its key id', policyOf('protect: { keys: ["1234abcd-*"] }')],
    ['an alias from its baseline', policyOf('protect: { keys: ["alias/orders-*"] }')],
  ])('protects a key named by %s', (_label, policy) => {
    const baselines = keyBaseline({ aliases: ['alias/orders-events'] });
    expect(run(keyDisabled, fixture('kms_DisableKey_awsdocs-kms_1.json'), policy, baselines)).toHaveLength(1);
  });

  it('protects a key that encrypts a protected queue, through its baseline', () => {
    const policy = policyOf('protect: { queues: ["*-dlq"] }');
    const baselines = keyBaseline({ usedBy: ['arn:aws:sqs:us-west-2:111122223333:orders-dlq'] });
    const [finding] = run(keyDisabled, fixture('kms_DisableKey_awsdocs-kms_1.json'), policy, baselines);
    expect(finding?.evidence.summary).toContain('encrypts protected arn:aws:sqs:us-west-2:111122223333:orders-dlq');
    expect(run(keyDisabled, fixture('kms_DisableKey_awsdocs-kms_1.json'), policy, keyBaseline({ usedBy: ['arn:aws:sqs:us-west-2:111122223333:orders'] }))).toEqual([]);
  });

  it('acts only while the live key is still Disabled', () => {
    const plan = { kind: 'enable-key', keyArn: KEY } as const;
    const live = (keyState: string): LiveState => ({ kind: 'kms-key', keyArn: KEY, key: { keyId: 'k', arn: KEY, keyState } });
    const change = parseChange(fixture('kms_DisableKey_awsdocs-kms_1.json'));
    const context = { policy: allKeys, baselines: NO_BASELINES };
    expect(recheckOf(keyDisabled)(plan, live('Disabled'), change, context)).toEqual(plan);
    expect(recheckOf(keyDisabled)(plan, live('Enabled'), change, context)).toBeUndefined();
  });
});

describe('key-deletion-scheduled', () => {
  it.each([
    'kms_ScheduleKeyDeletion_awsdocs-kms_1.json',
    'kms_ScheduleKeyDeletion_awsdocs-kms_2.json',
    'kms_ScheduleKeyDeletion_awsdocs-kms_3.json',
    'kms_ScheduleKeyDeletion_elastic-integrations_1.json',
    'kms_ScheduleKeyDeletion_panther-analysis_1.json',
    'kms_ScheduleKeyDeletion_panther-analysis_2.json',
  ])('flags the real %s and plans CancelKeyDeletion then EnableKey', (file) => {
    const [finding] = run(keyDeletionScheduled, fixture(file));
    expect(finding?.plan).toEqual({ kind: 'cancel-key-deletion', keyArn: finding?.resource, enableAfterCancel: true });
    expect(finding?.evidence.summary).toMatch(/ScheduleKeyDeletion on .+ window/);
  });

  it('cancels but does not re-enable a key that was already disabled in its baseline', () => {
    const [finding] = run(keyDeletionScheduled, fixture('kms_ScheduleKeyDeletion_awsdocs-kms_1.json'), allKeys, keyBaseline({ keyState: 'Disabled' }));
    expect(finding?.plan).toMatchObject({ enableAfterCancel: false });
  });

  it.each([
    ['PendingDeletion', true, true],
    ['PendingReplicaDeletion', true, true],
    ['Disabled', true, true], // someone cancelled and left it disabled: EnableKey is still due
    ['Disabled', false, false],
    ['Enabled', true, false],
  ])('rechecks a live key in state %s (re-enable: %s): acts = %s', (keyState, enableAfterCancel, acts) => {
    const plan = { kind: 'cancel-key-deletion', keyArn: KEY, enableAfterCancel } as const;
    const live: LiveState = { kind: 'kms-key', keyArn: KEY, key: { keyId: 'k', arn: KEY, keyState } };
    const result = recheckOf(keyDeletionScheduled)(plan, live, parseChange(fixture('kms_ScheduleKeyDeletion_awsdocs-kms_1.json')), { policy: allKeys, baselines: NO_BASELINES });
    expect(result !== undefined).toBe(acts);
  });

  // Found by fuzzing (test/unit/fuzz/controls.fuzz.test.ts): String() threw "Cannot convert object to
  // primitive value", so the control failed and planned no CancelKeyDeletion.
  it('flags a deletion whose pendingWindowInDays is an object with a toString key, and plans the cancel', () => {
    const record = cloneWith('kms_ScheduleKeyDeletion_awsdocs-kms_1.json', (r) => void (r.requestParameters.pendingWindowInDays = { toString: 'x' }));
    const evaluation = evaluateChange(parseChange(record), { policy: allKeys, baselines: NO_BASELINES }, [keyDeletionScheduled]);
    expect(evaluation.failures).toEqual([]);
    expect(evaluation.findings.map((f) => f.plan?.kind)).toEqual(['cancel-key-deletion']);
  });

  it('is not raised by the real CancelKeyDeletion record', () => {
    expect(evaluateChange(parseChange(fixture('kms_CancelKeyDeletion_awsdocs-kms_1.json')), { policy: allKeys, baselines: NO_BASELINES }, controls).findings).toEqual([]);
  });
});

describe('key-policy-broadened', () => {
  it('accepts the real default key policy (account root administers the key)', () => {
    expect(run(keyPolicyBroadened, fixture('kms_PutKeyPolicy_awsdocs-kms_1.json'))).toEqual([]);
  });

  it('flags the real StreamAlert policy that lets any AWS principal use the key', () => {
    const [finding] = run(keyPolicyBroadened, fixture('kms_PutKeyPolicy_streamalert_1.json'));
    expect(finding?.evidence.statements?.map((s) => s.Sid)).toEqual(['Allow use of the key']);
    expect(finding?.evidence.summary).toContain('allow any AWS principal');
  });

  it('flags the real Panther policy for the organization it does not trust, not as public', () => {
    const policy = policyOf('organizationId: o-xxxxxxxxxx\nprotect: { keys: ["*"] }');
    const [finding] = run(keyPolicyBroadened, fixture('kms_PutKeyPolicy_panther-analysis_2.json'), policy);
    expect(finding?.evidence.summary).toContain('grants o-yyyyyyyyyy');
    expect(finding?.evidence.summary).not.toContain('any AWS principal');
  });

  it('names no key in the Panther record without keyId, so raises nothing', () => {
    expect(run(keyPolicyBroadened, fixture('kms_PutKeyPolicy_panther-analysis_1.json'))).toEqual([]);
  });

  it.each([
    ['drops the account root', [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/admin' }, Action: 'kms:*', Resource: '*' }], 'account root no longer administers'],
    ['grants an untrusted account', [ROOT_ADMIN, { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999988887777:root' }, Action: 'kms:Decrypt', Resource: '*' }], 'grants 999988887777'],
    ['opens it with Principal {"AWS":"*"}', [ROOT_ADMIN, { Sid: 'open', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*' }], 'any AWS principal'],
  ])('flags a policy that %s', (_label, statements, says) => {
    const [finding] = run(keyPolicyBroadened, putKeyPolicy(statements));
    expect(finding?.evidence.summary).toContain(says);
  });

  it.each([
    ['a trusted account', { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'kms:Decrypt', Resource: '*' }],
    ['Principal * limited to the caller account (kms:CallerAccount, the AWS managed key pattern)', { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:CallerAccount': '111122223333', 'kms:ViaService': 'sqs.us-west-2.amazonaws.com' } } }],
    ['Principal * limited to the organization', { Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } }],
    ['a Deny for everyone', { Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*' }],
    ['an AWS service principal', { Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'kms:GenerateDataKey*', Resource: '*' }],
  ])('accepts a policy that adds %s', (_label, statement) => {
    expect(run(keyPolicyBroadened, putKeyPolicy([ROOT_ADMIN, statement]))).toEqual([]);
  });

  it.each([true, 'true', 'TRUE'])('flags bypassPolicyLockoutSafetyCheck %j even on a policy that is otherwise fine', (bypass) => {
    const [finding] = run(keyPolicyBroadened, putKeyPolicy([ROOT_ADMIN], { bypassPolicyLockoutSafetyCheck: bypass }));
    expect(finding?.evidence.summary).toContain('bypassPolicyLockoutSafetyCheck');
    expect(finding?.plan).toMatchObject({ bypassedLockoutCheck: true });
  });

  it('plans the baseline policy back', () => {
    const baselinePolicy = { Version: '2012-10-17', Statement: [ROOT_ADMIN] };
    const [finding] = run(keyPolicyBroadened, putKeyPolicy([{ ...ROOT_ADMIN, Principal: '*' }]), allKeys, keyBaseline({ policy: baselinePolicy }));
    expect(finding?.plan).toEqual({ kind: 'restore-key-policy', keyArn: KEY, policy: baselinePolicy, bypassedLockoutCheck: false });
  });

  it('says "no baseline" and plans no policy when none is stored', () => {
    const [finding] = run(keyPolicyBroadened, putKeyPolicy([{ ...ROOT_ADMIN, Principal: '*' }]));
    expect(finding?.plan).toMatchObject({ kind: 'restore-key-policy', noBaseline: expect.stringContaining('no baseline') });
    expect(finding?.plan).not.toHaveProperty('policy');
  });

  it('never restores a baseline that would itself lock the account root out', () => {
    const lockedOut = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/admin' }, Action: 'kms:*', Resource: '*' }] };
    const [finding] = run(keyPolicyBroadened, putKeyPolicy([{ ...ROOT_ADMIN, Principal: '*' }]), allKeys, keyBaseline({ policy: lockedOut }));
    expect(finding?.plan).toMatchObject({ noBaseline: expect.stringContaining('account root no longer administers') });
    expect(finding?.plan).not.toHaveProperty('policy');
  });

  it('leaves a live policy that already equals the baseline, or was fixed another way', () => {
    const baselinePolicy = { Version: '2012-10-17', Statement: [ROOT_ADMIN] };
    const plan = { kind: 'restore-key-policy', keyArn: KEY, policy: baselinePolicy, bypassedLockoutCheck: false } as const;
    const change = parseChange(putKeyPolicy([{ ...ROOT_ADMIN, Principal: '*' }]));
    const context = { policy: allKeys, baselines: NO_BASELINES };
    const live = (statements: unknown[]): LiveState => ({ kind: 'kms-key-policy', keyArn: KEY, policy: { Statement: statements as never } });
    expect(recheckOf(keyPolicyBroadened)(plan, live([ROOT_ADMIN]), change, context)).toBeUndefined();
    expect(recheckOf(keyPolicyBroadened)(plan, live([ROOT_ADMIN, { Sid: 'x', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/r' }, Action: 'kms:Decrypt', Resource: '*' }]), change, context)).toBeUndefined();
    expect(recheckOf(keyPolicyBroadened)(plan, live([{ ...ROOT_ADMIN, Principal: '*' }]), change, context)).toEqual(plan);
  });
});

describe('key-rotation-disabled', () => {
  it('flags the real DisableKeyRotation and plans EnableKeyRotation', () => {
    expect(run(keyRotationDisabled, fixture('kms_DisableKeyRotation_awsdocs-kms_1.json'))[0]?.plan).toEqual({ kind: 'enable-key-rotation', keyArn: KEY });
  });

  it.each([
    ['an asymmetric key', { keySpec: 'RSA_2048', keyUsage: 'SIGN_VERIFY' }],
    ['an HMAC key', { keySpec: 'HMAC_256', keyUsage: 'GENERATE_VERIFY_MAC' }],
    ['a key with imported material', { origin: 'EXTERNAL' }],
    ['a key in a custom key store', { origin: 'AWS_CLOUDHSM', customKeyStoreId: 'cks-1234567890abcdef0' }],
  ])('raises nothing for %s (from its baseline)', (_label, definition) => {
    expect(run(keyRotationDisabled, fixture('kms_DisableKeyRotation_awsdocs-kms_1.json'), allKeys, keyBaseline(definition))).toEqual([]);
  });

  it.each([
    ['symmetric, rotation off', { keySpec: 'SYMMETRIC_DEFAULT', keyUsage: 'ENCRYPT_DECRYPT', origin: 'AWS_KMS', rotationEnabled: false }, true],
    ['symmetric, rotation already back on', { keySpec: 'SYMMETRIC_DEFAULT', origin: 'AWS_KMS', rotationEnabled: true }, false],
    ['asymmetric', { keySpec: 'ECC_NIST_P256', keyUsage: 'SIGN_VERIFY', origin: 'AWS_KMS' }, false],
    ['imported material', { keySpec: 'SYMMETRIC_DEFAULT', origin: 'EXTERNAL' }, false],
  ])('rechecks the live key (%s): acts = %s', (_label, key, acts) => {
    const plan = { kind: 'enable-key-rotation', keyArn: KEY } as const;
    const live: LiveState = { kind: 'kms-key', keyArn: KEY, key: { keyId: 'k', arn: KEY, keyState: 'Enabled', ...key } };
    const result = recheckOf(keyRotationDisabled)(plan, live, parseChange(fixture('kms_DisableKeyRotation_awsdocs-kms_1.json')), { policy: allKeys, baselines: NO_BASELINES });
    expect(result !== undefined).toBe(acts);
  });
});

describe('key-grant-external', () => {
  const grantTo = (granteePrincipal: string) =>
    cloneWith('kms_CreateGrant_awsdocs-kms_1.json', (r) => void (r.requestParameters.granteePrincipal = granteePrincipal));

  it.each([
    ['a bare principal id that names no account (the real AWS docs record)', fixture('kms_CreateGrant_awsdocs-kms_1.json')],
    ['this account\'s EC2 infrastructure (the real EBS record)', fixture('kms_CreateGrant_awsdocs-kms_2.json')],
    ['a service principal (the real DynamoDB record)', fixture('kms_CreateGrant_awsdocs-kms_3.json')],
    ['a role in a trusted account', grantTo('arn:aws:iam::444455556666:role/reader')],
    ['a role in this account', grantTo('arn:aws:iam::111122223333:role/app')],
  ])('raises nothing for a grant to %s', (_label, record) => {
    expect(run(keyGrantExternal, record)).toEqual([]);
  });

  it.each([
    ['a role ARN', 'arn:aws:iam::999988887777:role/exfil'],
    ['an assumed-role session', 'arn:aws:sts::999988887777:assumed-role/exfil/session'],
    ['an account id', '999988887777'],
  ])('flags a grant to %s in an untrusted account and plans RevokeGrant with the grant id', (_label, grantee) => {
    const [finding] = run(keyGrantExternal, grantTo(grantee));
    expect(finding?.title).toContain('999988887777');
    expect(finding?.plan).toEqual({ kind: 'revoke-grant', keyArn: KEY, grantId: 'f020fe75197b93991dc8491d6f19dd3cebb24ee62277a05914386724f3d48758', grantee });
  });

  it('alerts without a plan when the record has no grant id to revoke', () => {
    const record = cloneWith('kms_CreateGrant_awsdocs-kms_1.json', (r) => {
      r.requestParameters.granteePrincipal = '999988887777';
      r.responseElements = null;
    });
    const [finding] = run(keyGrantExternal, record);
    expect(finding).toBeDefined();
    expect(finding?.plan).toBeUndefined();
  });

  it.each([
    ['dynamodb.us-west-2.amazonaws.com', 'service'],
    ['111122223333:aws:ec2-infrastructure:i-81e2f56c', '111122223333'],
    ['EX_PRINCIPAL_ID', undefined],
  ])('places grantee %s in %s', (grantee, account) => {
    expect(granteeAccountOf(grantee)).toBe(account);
  });
});
