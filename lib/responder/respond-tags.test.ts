import type { Alert } from '../alerts/format';
import type { AlertSink } from '../alerts/sns';
import { memoryBaselineStore } from '../baseline/memory';
import { controlIds, controls } from '../controls/registry';
import { RULE_KIND } from '../controls/rules/model';
import { parseChange } from '../events/parse';
import type { PolicyDocument } from '../iam/policy-document';
import { parsePolicy } from '../policy/load';
import { busStatementsRemediator, type EventBusPolicyPort } from '../remediation/bus-statements';
import type { TaggableResource, TagReading, TagSource } from '../tags/types';
import { silentLogger } from '../util/log';
import { cloneWith, fixture, PUT_PERMISSION_LEGACY } from '../../test/support/fixtures';
import { respond, type ResponderDeps } from './respond';
import { PRODUCTION_TAG_POLICY } from '../../test/support/tag-policies';

// Tag-driven policy in the real-time flow: real records (AWS docs clones), tags from a fake
// tag source (the live adapter is exercised against moto in test/integration/tags-response.test.ts).

const ACCOUNT = '123456789012';
const DEFAULT_BUS = `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/default`;
const RULE = `arn:aws:events:us-east-1:${ACCOUNT}:rule/cttest2`;
const NOW = new Date('2026-11-29T12:00:00Z');

const POLICY = parsePolicy(
  `${PRODUCTION_TAG_POLICY}  - match: { Team: sandbox }
    exempt: { reason: "sandbox bus, open by design (SEC-42)", expires: 2027-06-30 }
    controls: [bus-policy-public]
`,
  'policy.yml',
  controlIds,
);

/** The legacy PutPermission clone with its principal opened to everyone, on the default bus. */
const openStatementChange = () => parseChange(cloneWith(PUT_PERMISSION_LEGACY, (r) => (r.requestParameters.principal = '*')));

function busWithOpenStatement(): EventBusPolicyPort & { policy: PolicyDocument | undefined; writes: number } {
  const port = {
    writes: 0,
    policy: {
      Version: '2012-10-17',
      Statement: [{ Sid: 'MyStatement', Effect: 'Allow', Principal: '*', Action: 'events:PutEvents', Resource: DEFAULT_BUS }],
    } as PolicyDocument | undefined,
    async getPolicy() {
      return structuredClone(port.policy);
    },
    async removeStatement(_bus: string, sid: string) {
      port.writes += 1;
      const kept = port.policy?.Statement.filter((s) => s.Sid !== sid) ?? [];
      port.policy = kept.length > 0 ? { Version: '2012-10-17', Statement: kept } : undefined;
    },
    async putPolicy(_bus: string, policy: PolicyDocument) {
      port.writes += 1;
      port.policy = policy;
    },
    async removeAllPermissions() {
      port.writes += 1;
      port.policy = undefined;
    },
  };
  return port;
}

function tagSource(byArn: Record<string, TagReading | Error>): TagSource & { reads: string[] } {
  const reads: string[] = [];
  return {
    iamActions: [],
    reads,
    async read(resource: TaggableResource) {
      reads.push(resource.arn);
      const reading = byArn[resource.arn] ?? { status: 'known', tags: {}, source: 'live' };
      if (reading instanceof Error) throw reading;
      return reading;
    },
  };
}

function recordingSink(): AlertSink & { published: Alert[] } {
  const published: Alert[] = [];
  return { iamActions: [], published, publish: async (alert) => void published.push(alert) };
}

function deps(overrides: Partial<ResponderDeps>): ResponderDeps {
  return { policy: POLICY, controls, remediators: [], alerts: recordingSink(), selfPrincipals: [], now: () => NOW, log: silentLogger, ...overrides };
}

const live = (tags: Record<string, string>): TagReading => ({ status: 'known', tags, source: 'live' });

describe('respond: tag-driven policy', () => {
  it('a production-tagged bus escalates the finding from alert to remediate, and the finding carries the deciding tag', async () => {
    // Prepare
    const bus = busWithOpenStatement();
    const alerts = recordingSink();
    const tags = tagSource({ [DEFAULT_BUS]: live({ Environment: 'Production', CostCenter: '42' }) });

    // Act
    const outcome = await respond(openStatementChange(), deps({ remediators: [busStatementsRemediator(bus)], alerts, tags }));

    // Assess
    const finding = outcome.findings.find((f) => f.control === 'bus-policy-public');
    expect([finding?.remediation.status, finding?.tags?.tags, finding?.tags?.decisions]).toEqual([
      'applied',
      { Environment: 'Production' },
      ['Environment=Production (tags[0]): protected', 'Environment=Production (tags[0]): mode remediate', 'Environment=Production (tags[0]): dryRun off'],
    ]);
    expect([bus.policy, tags.reads]).toEqual([undefined, [DEFAULT_BUS]]);
    expect(alerts.published.length).toBe(outcome.findings.length);
    const email = alerts.published.find((a) => a.attributes.control === 'bus-policy-public')?.message ?? '';
    expect(email.split('\n').find((line) => line.startsWith('Tags:'))).toBe(
      'Tags:       Environment=Production (tags[0]): protected; Environment=Production (tags[0]): mode remediate; Environment=Production (tags[0]): dryRun off',
    );
  });

  it('the same change on an untagged bus is only alerted, as the file says', async () => {
    // Prepare
    const bus = busWithOpenStatement();

    // Act
    const outcome = await respond(openStatementChange(), deps({ remediators: [busStatementsRemediator(bus)], tags: tagSource({}) }));

    // Assess
    const finding = outcome.findings.find((f) => f.control === 'bus-policy-public');
    expect([finding?.remediation.reason, finding?.tags?.decisions, bus.writes]).toEqual(['alert only: the control mode is "alert"', [], 0]);
  });

  it('a tag exemption suppresses the controls it lists, with its reason, and alerts nothing for them', async () => {
    // Prepare
    const alerts = recordingSink();
    const tags = tagSource({ [DEFAULT_BUS]: live({ Team: 'sandbox' }) });

    // Act
    const outcome = await respond(openStatementChange(), deps({ alerts, tags }));

    // Assess
    expect(outcome.suppressed.map((s) => [s.finding.control, s.reason])).toEqual([
      ['bus-policy-public', 'exempt by tag Team=sandbox until 2027-06-30: sandbox bus, open by design (SEC-42)'],
    ]);
    expect(alerts.published.map((a) => a.attributes.control)).not.toContain('bus-policy-public');
  });

  it('a rule no protect.rules glob names is protected by its tag: disabling it is a finding', async () => {
    // Prepare
    const change = parseChange(fixture('events_DisableRule_synthetic-awsdocs-putrule-clone_1.json'));

    // Act
    const tagged = await respond(change, deps({ tags: tagSource({ [RULE]: live({ Environment: 'Production' }) }) }));
    const untagged = await respond(change, deps({ tags: tagSource({}) }));

    // Assess
    expect(tagged.findings.map((f) => [f.control, f.resource, f.tags?.source])).toEqual([['rule-disabled', RULE, 'live']]);
    expect(untagged.findings).toEqual([]);
  });

  it.each([
    ['rule', 'events_DisableRule_synthetic-awsdocs-putrule-clone_1.json', RULE, 'rule-disabled'],
    ['key', 'kms_DisableKey_awsdocs-kms_1.json', 'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', 'key-disabled'],
    ['queue', 'sqs_PurgeQueue_clone', 'arn:aws:sqs:us-east-2:123456789012:MyQueue', 'queue-deleted'],
  ])('a %s no protect glob names is protected by its tag, and only then', async (_kind, name, arn, control) => {
    // Prepare: PurgeQueue is a clone of the AWS docs DeleteQueue record with the event name changed.
    const record = name === 'sqs_PurgeQueue_clone' ? cloneWith('sqs_DeleteQueue_awsdocs-sqs_1.json', (r) => (r.eventName = 'PurgeQueue')) : fixture(name);
    const change = parseChange(record);

    // Act
    const tagged = await respond(change, deps({ tags: tagSource({ [arn]: live({ Environment: 'Production' }) }) }));
    const untagged = await respond(change, deps({ tags: tagSource({}) }));

    // Assess
    expect([tagged.findings.map((f) => [f.control, f.resource]), untagged.findings]).toEqual([[[control, arn]], []]);
  });

  it('a deleted rule has no tags left to read: those its baseline recorded decide', async () => {
    // Prepare
    const change = parseChange(cloneWith('events_DisableRule_synthetic-awsdocs-putrule-clone_1.json', (r) => (r.eventName = 'DeleteRule')));
    const baselines = memoryBaselineStore([
      {
        resource: RULE,
        kind: RULE_KIND,
        definition: { name: 'cttest2', eventBusName: 'default', arn: RULE, state: 'ENABLED', scheduleExpression: 'rate(5 minutes)', targets: [] },
        capturedAt: '2026-11-01T00:00:00Z',
        source: 'snapshot',
        tags: { Environment: 'Production' },
      },
    ]);
    const tags = tagSource({ [RULE]: { status: 'unknown', reason: `${RULE} no longer exists` } });

    // Act
    const outcome = await respond(change, deps({ tags, baselines }));

    // Assess
    expect(outcome.findings.map((f) => [f.control, f.tags?.source, f.tags?.tags])).toEqual([['rule-deleted', 'baseline', { Environment: 'Production' }]]);
  });

  it('tags that cannot be read leave the resource judged as untagged, and the finding says so', async () => {
    // Prepare
    const tags = tagSource({ [DEFAULT_BUS]: { status: 'unknown', reason: 'could not read the tags: AccessDeniedException (HTTP 400)' } });

    // Act
    const outcome = await respond(openStatementChange(), deps({ tags }));

    // Assess
    const finding = outcome.findings.find((f) => f.control === 'bus-policy-public');
    expect([finding?.remediation.reason, finding?.tags?.source, finding?.tags?.decisions]).toEqual([
      'alert only: the control mode is "alert"',
      'unknown',
      ['tags not known (could not read the tags: AccessDeniedException (HTTP 400)): judged as untagged'],
    ]);
  });

  it('throttling that outlasts the retries fails the invocation, so the event is retried and then kept', async () => {
    // Prepare
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $retryable: { throttling: true } });
    const alerts = recordingSink();

    // Act
    const outcome = respond(openStatementChange(), deps({ alerts, tags: tagSource({ [DEFAULT_BUS]: throttled }) }));

    // Assess
    await expect(outcome).rejects.toThrow('Rate exceeded');
    expect(alerts.published).toEqual([]);
  });

  it('a policy without tag rules never reads tags', async () => {
    // Prepare
    const tags = tagSource({});

    // Act
    await respond(openStatementChange(), deps({ policy: parsePolicy('{}', 'policy.yml', controlIds), tags }));

    // Assess
    expect(tags.reads).toEqual([]);
  });
});
