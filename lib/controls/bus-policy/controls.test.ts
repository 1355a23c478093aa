import { cloneWith, fixture, PUT_PERMISSION_LEGACY, PUT_PERMISSION_POLICY } from '../../../test/support/fixtures';
import { NO_BASELINES } from '../../baseline/types';
import { parseChange } from '../../events/parse';
import { parsePolicy } from '../../policy/load';
import { evaluateChange } from '../evaluate';
import { controlIds } from '../registry';
import type { Control, RemediationPlan } from '../types';
import { busPolicyPublic, busPolicyUntrustedAccount } from './controls';

/** The statements a bus-policy plan removes (none for any other kind of plan). */
const statementsOf = (plan: RemediationPlan | undefined) => (plan?.kind === 'remove-bus-statements' ? plan.statements : []);

const policy = parsePolicy(
  'trustedAccounts: ["111122223333"]\norganizationId: o-a1b2c3d4e5\n',
  'test-policy.yml',
  controlIds,
);
const context = { policy, baselines: NO_BASELINES };

function legacy(params: Record<string, unknown>) {
  return parseChange(cloneWith(PUT_PERMISSION_LEGACY, (r) => void (r.requestParameters = params)));
}

function policyForm(statements: unknown[], bus = 'cli-test') {
  return parseChange(
    cloneWith(PUT_PERMISSION_POLICY, (r) => {
      r.requestParameters = { eventBusName: bus, policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }) };
    }),
  );
}

const findingsOf = (control: Control, change: ReturnType<typeof parseChange>) => control.evaluate(change, context);

describe('bus-policy-public', () => {
  it('flags Principal * without an org condition (legacy PutPermission)', () => {
    const findings = findingsOf(busPolicyPublic, legacy({ action: 'events:PutEvents', principal: '*', statementId: 'open' }));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      resource: 'arn:aws:events:us-east-1:123456789012:event-bus/default',
      plan: { kind: 'remove-bus-statements', busName: 'default', statements: [{ Sid: 'open', Principal: '*' }] },
    });
  });

  it.each([
    ['lower-case keys', { type: 'StringEquals', key: 'aws:PrincipalOrgID', value: 'o-a1b2c3d4e5' }],
    ['API-style capitalised keys', { Type: 'StringEquals', Key: 'aws:PrincipalOrgID', Value: 'o-a1b2c3d4e5' }],
    ['a condition key in another case', { type: 'StringEquals', key: 'aws:principalorgid', value: 'o-a1b2c3d4e5' }],
  ])('accepts Principal * conditioned on the organization, written with %s', (_label, condition) => {
    const change = legacy({ action: 'events:PutEvents', principal: '*', statementId: 'org', condition });
    expect(findingsOf(busPolicyPublic, change)).toEqual([]);
    expect(findingsOf(busPolicyUntrustedAccount, change)).toEqual([]);
  });

  it('flags only the public statement of a whole policy, by Sid', () => {
    const change = policyForm([
      { Sid: 'trusted', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'events:PutEvents', Resource: '*' },
      { Sid: 'world', Effect: 'Allow', Principal: { AWS: ['*'] }, Action: 'events:PutEvents', Resource: '*' },
      { Sid: 'deny-all', Effect: 'Deny', Principal: '*', Action: 'events:*', Resource: '*' },
    ]);
    const [finding] = findingsOf(busPolicyPublic, change);
    expect(finding?.resource).toBe('arn:aws:events:us-east-1:123456789012:event-bus/cli-test');
    expect(statementsOf(finding?.plan).map((s) => s.Sid)).toEqual(['world']);
  });

  it('reads the bus name from an ARN', () => {
    const change = legacy({
      action: 'events:PutEvents',
      principal: '*',
      statementId: 'open',
      eventBusName: 'arn:aws:events:us-east-1:123456789012:event-bus/orders',
    });
    expect(findingsOf(busPolicyPublic, change)[0]?.plan).toMatchObject({ busName: 'orders' });
  });

  it('flags a public statement that has no Sid', () => {
    const change = policyForm([{ Effect: 'Allow', Principal: '*', Action: 'events:PutEvents', Resource: '*' }]);
    expect(statementsOf(findingsOf(busPolicyPublic, change)[0]?.plan)).toEqual([
      { Effect: 'Allow', Principal: '*', Action: 'events:PutEvents', Resource: '*' },
    ]);
  });

  it('ignores the real PutRule record and a CreateEventBus without a policy', () => {
    expect(findingsOf(busPolicyPublic, parseChange(fixture('events_PutRule_awsdocs-eventbridge_1.json')))).toEqual([]);
    const create = parseChange(
      cloneWith('events_PutRule_awsdocs-eventbridge_1.json', (r) => {
        r.eventName = 'CreateEventBus';
        r.requestParameters = { name: 'orders', kmsKeyIdentifier: 'alias/orders' };
      }),
    );
    expect(findingsOf(busPolicyPublic, create)).toEqual([]);
  });
});

describe('bus-policy-untrusted-account', () => {
  it('flags an account outside trustedAccounts', () => {
    const findings = findingsOf(busPolicyUntrustedAccount, legacy({ action: 'events:PutEvents', principal: '444455556666', statementId: 'partner' }));
    expect(findings).toHaveLength(1);
    expect(findings[0]?.title).toContain('444455556666');
    expect(statementsOf(findings[0]?.plan)[0]).toMatchObject({ Sid: 'partner', Principal: { AWS: 'arn:aws:iam::444455556666:root' } });
  });

  it('accepts the real record granting the trusted account 111122223333', () => {
    expect(findingsOf(busPolicyUntrustedAccount, parseChange(fixture(PUT_PERMISSION_LEGACY)))).toEqual([]);
  });

  it('flags the real policy-form record: its account 123123123123 is not trusted', () => {
    const [finding] = findingsOf(busPolicyUntrustedAccount, parseChange(fixture(PUT_PERMISSION_POLICY)));
    expect(finding?.evidence.summary).toContain('123123123123');
  });

  it('does not report a public statement a second time', () => {
    expect(findingsOf(busPolicyUntrustedAccount, legacy({ action: 'events:PutEvents', principal: '*', statementId: 'open' }))).toEqual([]);
  });
});

describe('evaluateChange', () => {
  it('does not run these controls on a failed call', () => {
    const failed = cloneWith(PUT_PERMISSION_LEGACY, (r) => {
      r.requestParameters = { action: 'events:PutEvents', principal: '*', statementId: 'open' };
      r.errorCode = 'AccessDenied';
    });
    expect(evaluateChange(parseChange(failed), context, [busPolicyPublic]).findings).toEqual([]);
  });

  it('skips a control switched off in the policy', () => {
    const off = parsePolicy('controls:\n  bus-policy-public: { mode: "off" }\n', 'p.yml', controlIds);
    const change = legacy({ action: 'events:PutEvents', principal: '*', statementId: 'open' });
    expect(evaluateChange(change, { policy: off, baselines: NO_BASELINES }, [busPolicyPublic]).findings).toEqual([]);
  });

  it('adds the event, actor and severity to each finding', () => {
    const change = legacy({ action: 'events:PutEvents', principal: '*', statementId: 'open' });
    const [finding] = evaluateChange(change, context, [busPolicyPublic]).findings;
    expect(finding).toMatchObject({
      control: 'bus-policy-public',
      severity: 'critical',
      account: '123456789012',
      region: 'us-east-1',
      event: { id: '06ea7329-54b6-43be-9d46-be93bc83638e', name: 'PutPermission', source: 'events.amazonaws.com' },
      actor: { arn: 'arn:aws:iam::123456789012:root', sourceIp: 'AWS Internal', userAgent: 'AWS CloudWatch Console' },
    });
  });

  // Found by fuzzing (test/unit/fuzz/controls.fuzz.test.ts): String() threw "Cannot convert object to
  // primitive value" on legacy PutPermission fields given as objects with a toString key.
  it.each([
    ['statementId', { action: 'events:PutEvents', principal: '*', statementId: { toString: 'x' } }, 1],
    ['principal', { action: 'events:PutEvents', principal: { toString: 'x' }, statementId: 'odd' }, 0],
    ['condition type and key', { action: 'events:PutEvents', principal: '*', statementId: 'odd', condition: { type: { toString: 'x' }, key: { toString: 'x' }, value: 'o-a1b2c3d4e5' } }, 1],
  ])('judges a legacy PutPermission whose %s is an object with a toString key, without throwing', (_field, params, expected) => {
    const evaluation = evaluateChange(legacy(params), context, [busPolicyPublic]);
    expect(evaluation.failures).toEqual([]);
    expect(evaluation.findings).toHaveLength(expected);
  });

  it('reports a policy that is not JSON as a failure of the control, keeping the others', () => {
    const change = parseChange(cloneWith(PUT_PERMISSION_POLICY, (r) => void (r.requestParameters.policy = '{not json')));
    const evaluation = evaluateChange(change, context, [busPolicyPublic, busPolicyUntrustedAccount]);
    expect(evaluation.failures.map((f) => f.control)).toEqual(['bus-policy-public', 'bus-policy-untrusted-account']);
  });
});
