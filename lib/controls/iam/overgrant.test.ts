import { parseChange } from '../../events/parse';
import { policySchema } from '../../policy/schema';
import { cloneWith, fixture } from '../../../test/support/fixtures';
import { evaluateChange } from '../evaluate';
import { controlIds } from '../registry';
import type { EvaluationContext, LiveState } from '../types';
import { iamEventBridgeOvergrant } from './overgrant';
import type { ManagedPolicyRead } from './types';

const ADMIN_TO_ROLE = 'iam_AttachRolePolicy_invictus-aws-dataset_6.json'; // real: AdministratorAccess → stratus-red-team-backdoor-r-role, account 123837392027
const SSM_TO_ROLE = 'iam_AttachRolePolicy_invictus-aws-dataset_1.json'; // real: AmazonSSMManagedInstanceCore
const CUSTOMER_TO_ROLE = 'iam_AttachRolePolicy_invictus-aws-dataset_3.json'; // real: customer managed policy
const ADMIN_BY_SESSION = 'iam_AttachRolePolicy_panther-analysis_1.json'; // AdministratorAccess by assumed-role/tester (issuer role/tester)
const FAILED_ATTACH = 'iam_AttachRolePolicy_panther-analysis_4.json'; // errorCode NoSuchEntity
const INLINE = 'iam_PutRolePolicy_invictus-aws-dataset_1.json'; // real: inline ec2:Describe* on *

const ROLE_ARN = 'arn:aws:iam::123837392027:role/stratus-red-team-backdoor-r-role';
const CUSTOMER_POLICY = 'arn:aws:iam::123837392027:policy/stratus-red-team-ec2lui-policy-pcccexdthk';

const policy = (extra: Record<string, unknown> = {}) => policySchema(controlIds).parse({ trustedPrincipals: ['arn:aws:iam::*:role/deployer'], ...extra });
const context = (extra: Partial<EvaluationContext> = {}, policyExtra: Record<string, unknown> = {}): EvaluationContext => ({ policy: policy(policyExtra), baselines: new Map(), ...extra });

const inlineWith = (document: unknown) =>
  parseChange(cloneWith(INLINE, (r) => void (r.requestParameters.policyDocument = typeof document === 'string' ? document : JSON.stringify(document))));
const allow = (statement: Record<string, unknown>) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', ...statement }] });

describe('iam-eventbridge-overgrant', () => {
  describe('AWS managed policies', () => {
    it('flags AdministratorAccess attached to a role, with a plan to detach it', () => {
      // Prepare
      const change = parseChange(fixture(ADMIN_TO_ROLE));
      // Act
      const [finding, ...rest] = iamEventBridgeOvergrant.evaluate(change, context());
      // Assess
      expect(rest).toEqual([]);
      expect(finding?.resource).toBe(ROLE_ARN);
      expect(finding?.title).toContain('events:PutRule');
      expect(finding?.title).toContain('iam:PassRole');
      expect(finding?.plan).toEqual({
        kind: 'revoke-iam-grant',
        principal: { kind: 'role', name: 'stratus-red-team-backdoor-r-role', arn: ROLE_ARN },
        grant: { kind: 'managed', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
      });
    });

    it.each([
      ['AmazonEventBridgeFullAccess', true],
      ['PowerUserAccess', true],
      ['job-function/SystemAdministrator', true],
      ['IAMFullAccess', true],
      ['AmazonEventBridgeReadOnlyAccess', false],
      ['ReadOnlyAccess', false],
    ])('for %s attached to a user, finds an over-grant: %s', (name, expected) => {
      // Prepare
      const change = parseChange(
        cloneWith(ADMIN_TO_ROLE, (r) => {
          r.eventName = 'AttachUserPolicy';
          r.requestParameters = { userName: 'mallory', policyArn: `arn:aws:iam::aws:policy/${name}` };
        }),
      );
      // Act
      const findings = iamEventBridgeOvergrant.evaluate(change, context());
      // Assess
      expect(findings.map((f) => f.resource)).toEqual(expected ? ['arn:aws:iam::123837392027:user/mallory'] : []);
    });

    it('does not flag an AWS managed policy without EventBridge power', () => {
      expect(iamEventBridgeOvergrant.evaluate(parseChange(fixture(SSM_TO_ROLE)), context())).toEqual([]);
    });
  });

  describe('trust', () => {
    it.each([
      ['the session issuer of the actor is trusted', { trustedPrincipals: ['arn:aws:iam::123456789012:role/tester'] }, 0],
      ['only another role is trusted', { trustedPrincipals: ['arn:aws:iam::123456789012:role/other'] }, 1],
      ['the receiving role is trusted', { trustedPrincipals: ['arn:aws:iam::123456789012:role/new-role'] }, 0],
    ])('for an assumed-role session, when %s, raises %i finding(s)', (_, policyExtra, count) => {
      // Prepare
      const change = parseChange(fixture(ADMIN_BY_SESSION));
      // Act
      const findings = iamEventBridgeOvergrant.evaluate(change, context({}, policyExtra));
      // Assess
      expect(findings).toHaveLength(count);
    });

    it('never plans a revoke on a break-glass principal, and says so', () => {
      // Prepare
      const change = parseChange(fixture(ADMIN_TO_ROLE));
      // Act
      const [finding] = iamEventBridgeOvergrant.evaluate(change, context({}, { breakGlassPrincipals: ['arn:aws:iam::*:role/stratus-*'] }));
      // Assess
      expect(finding?.plan).toBeUndefined();
      expect(finding?.evidence.summary).toContain('break-glass');
    });

    it('ignores failed calls', () => {
      // Prepare
      const change = parseChange(fixture(FAILED_ATTACH));
      // Act
      const { findings } = evaluateChange(change, context(), [iamEventBridgeOvergrant]);
      // Assess
      expect(findings).toEqual([]);
    });
  });

  describe('inline policy documents', () => {
    it.each([
      ['Action "*" on "*"', allow({ Action: '*', Resource: '*' }), ['events:PutPermission', 'iam:PassRole']],
      ['events:* on "*"', allow({ Action: 'events:*', Resource: '*' }), ['events:PutRule', 'events:UpdateEventBus']],
      ['events:Put* on "*"', allow({ Action: ['events:Put*'], Resource: '*' }), ['events:PutPermission', 'events:PutRule', 'events:PutTargets']],
      ['events:*Rule on every rule ARN', allow({ Action: 'EVENTS:*Rule', Resource: 'arn:aws:events:*:*:rule/*' }), ['events:PutRule', 'events:DeleteRule', 'events:DisableRule']],
      ['NotAction that leaves events in', allow({ NotAction: ['iam:*', 'organizations:*'], Resource: '*' }), ['events:PutTargets', 'events:CreateEventBus']],
      ['iam:PassRole on every role', allow({ Action: 'iam:PassRole', Resource: 'arn:aws:iam::*:role/*' }), ['iam:PassRole']],
      ['a condition that does not narrow resources', allow({ Action: 'events:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } }), ['events:PutRule']],
    ])('flags %s', (_, document, expected) => {
      // Prepare
      const change = inlineWith(document);
      // Act
      const [finding] = iamEventBridgeOvergrant.evaluate(change, context());
      // Assess
      const granted = (finding?.evidence.after as { actions: string[] }).actions;
      expect(granted).toEqual(expect.arrayContaining(expected));
      expect(finding?.plan).toEqual(expect.objectContaining({ grant: { kind: 'inline', policyName: 'inline-policy' } }));
    });

    it.each([
      ['the real ec2:Describe* document', fixture(INLINE).requestParameters.policyDocument as string],
      ['events:PutRule on one named rule', allow({ Action: 'events:PutRule', Resource: 'arn:aws:events:us-east-1:123837392027:rule/orders-*' })],
      ['events:PutEvents only', allow({ Action: 'events:PutEvents', Resource: '*' })],
      ['iam:PassRole on service roles only', allow({ Action: 'iam:PassRole', Resource: 'arn:aws:iam::*:role/service-role/*' })],
      ['iam:PassRole limited to EventBridge by iam:PassedToService', allow({ Action: 'iam:PassRole', Resource: '*', Condition: { StringEquals: { 'iam:PassedToService': 'events.amazonaws.com' } } })],
      ['events:* limited by a resource tag condition', allow({ Action: 'events:*', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/Team': 'orders' } } })],
      ['NotAction that removes events and iam', allow({ NotAction: ['events:*', 'iam:*'], Resource: '*' })],
      ['NotResource that excludes every bus, rule and role', allow({ Action: '*', NotResource: ['arn:aws:events:*', 'arn:aws:iam::*:role/*'] })],
      ['a Deny of the same document taking them away', { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: ['events:*', 'iam:PassRole'], Resource: '*' }] }],
      ['a Deny statement alone', { Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] }],
    ])('does not flag %s', (_, document) => {
      expect(iamEventBridgeOvergrant.evaluate(inlineWith(document), context())).toEqual([]);
    });

    it('still flags an Allow when the Deny is limited by a condition', () => {
      // Prepare
      const document = { Statement: [{ Effect: 'Allow', Action: 'events:*', Resource: '*' }, { Effect: 'Deny', Action: 'events:*', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } }] };
      // Act
      const findings = iamEventBridgeOvergrant.evaluate(inlineWith(document), context());
      // Assess
      expect(findings).toHaveLength(1);
    });

    it('reads a URL-encoded document', () => {
      expect(iamEventBridgeOvergrant.evaluate(inlineWith(encodeURIComponent(JSON.stringify(allow({ Action: 'events:*', Resource: '*' })))), context())).toHaveLength(1);
    });
  });

  describe('customer managed policies', () => {
    const read = (value: ManagedPolicyRead) => new Map([[CUSTOMER_POLICY, value]]);

    it('asks the pipeline for the attached policy', () => {
      expect(iamEventBridgeOvergrant.managedPolicyArns(parseChange(fixture(CUSTOMER_TO_ROLE)))).toEqual([CUSTOMER_POLICY]);
    });

    it.each([
      ['an over-granting default version', 'high', read({ document: allow({ Action: 'events:*', Resource: '*' }) })],
      ['a default version that could not be read', 'info', read({ error: 'AccessDenied: no' })],
      ['no live read at all (replay)', 'info', undefined],
    ])('given %s, raises a %s finding', (_, severity, managedPolicies) => {
      // Prepare
      const change = parseChange(fixture(CUSTOMER_TO_ROLE));
      // Act
      const { findings } = evaluateChange(change, context(managedPolicies ? { managedPolicies } : {}), [iamEventBridgeOvergrant]);
      // Assess
      expect(findings.map((f) => f.severity)).toEqual([severity]);
    });

    it('does not flag a default version that grants no EventBridge power', () => {
      // Prepare
      const change = parseChange(fixture(CUSTOMER_TO_ROLE));
      // Act
      const findings = iamEventBridgeOvergrant.evaluate(change, context({ managedPolicies: read({ document: allow({ Action: 'ec2:DescribeInstances', Resource: '*' }) }) }));
      // Assess
      expect(findings).toEqual([]);
    });
  });

  describe('CreatePolicyVersion', () => {
    const version = (setAsDefault: unknown) =>
      parseChange(
        cloneWith(INLINE, (r) => {
          r.eventName = 'CreatePolicyVersion';
          r.requestParameters = { policyArn: CUSTOMER_POLICY, policyDocument: JSON.stringify(allow({ Action: 'events:*', Resource: '*' })), setAsDefault };
        }),
      );

    it.each([
      [true, 1],
      ['true', 1],
      [false, 0],
      [undefined, 0],
    ])('with setAsDefault %p raises %i finding(s), alert only', (setAsDefault, count) => {
      const findings = iamEventBridgeOvergrant.evaluate(version(setAsDefault), context());
      expect(findings).toHaveLength(count);
      expect(findings.every((f) => f.resource === CUSTOMER_POLICY && f.plan === undefined)).toBe(true);
    });
  });

  describe('recheck', () => {
    const [finding] = iamEventBridgeOvergrant.evaluate(parseChange(fixture(ADMIN_TO_ROLE)), context());
    it.each([
      ['still attached', true, { kind: 'iam-grant', attached: true } as LiveState],
      ['already detached', false, { kind: 'iam-grant', attached: false } as LiveState],
    ])('when the policy is %s, keeps the plan: %s', (_, kept, live) => {
      const narrowed = iamEventBridgeOvergrant.recheck(finding!.plan!, live, parseChange(fixture(ADMIN_TO_ROLE)));
      expect(narrowed !== undefined).toBe(kept);
    });
  });
});
