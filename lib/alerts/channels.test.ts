/**
 * Every channel stays within its limits, for every control and for oversized evidence: SNS
 * (256 KiB for all protocols together, ASCII subject under 100), Slack Block Kit, the chat
 * custom-notification schema; digests and count updates read as such.
 */
import { controlIds, controls } from '../controls/registry';
import type { Finding } from '../controls/types';
import { parsePolicy } from '../policy/load';
import { cloneWith, fixture, fixtureNames, PUT_PERMISSION_LEGACY, PUT_PERMISSION_POLICY } from '../../test/support/fixtures';
import { representativeFinding } from '../../test/support/representative-findings';
import { chatNotificationOf } from './chat';
import { digestAlertOf, digestEntryOf, updateAlertOf, type DigestContent } from './digest-format';
import { documentOf, parseAlertDocument } from './document';
import { alertOf, type Alert } from './format';
import { slackMessageOf, type SlackBlock } from './slack/blocks';
import { MAX_SNS_MESSAGE_BYTES, snsMessageOf } from './sns';

const base = parsePolicy('trustedAccounts: ["111122223333"]\n', 'channels-policy.yml', controlIds);
const policy = { ...base, protect: Object.fromEntries(Object.keys(base.protect).map((k) => [k, ['*']])) as typeof base.protect };
const records = [
  ...fixtureNames().map((name) => ({ name, record: fixture(name) })),
  { name: 'public', record: cloneWith(PUT_PERMISSION_LEGACY, (r) => (r.requestParameters.principal = '*')) },
];
const findingOf = (id: string) => representativeFinding(controls.find((c) => c.id === id)!, records, policy).finding;

/** A bus-policy-public finding whose evidence is `count` public statements (hundreds of KB when large). */
function oversized(count: number, sid = (i: number) => `open_${'€'.repeat(10)}_${i}`): Finding {
  const record = cloneWith(PUT_PERMISSION_POLICY, (r) => {
    const statements = Array.from({ length: count }, (_, i) => ({ Sid: sid(i), Effect: 'Allow', Principal: '*', Action: 'events:PutEvents', Resource: 'arn:aws:events:us-east-1:123456789012:event-bus/cli-test' }));
    r.requestParameters.policy = JSON.stringify({ Version: '2012-10-17', Statement: statements });
  });
  return representativeFinding(controls.find((c) => c.id === 'bus-policy-public')!, [{ name: 'oversized', record }], policy).finding;
}

function digestOf(count: number): Alert {
  const finding = findingOf('bus-policy-public');
  const content: DigestContent = {
    kind: 'digest',
    reason: 'storm',
    window: { start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T00:01:00.000Z' },
    threshold: 20,
    total: count,
    entries: Array.from({ length: count }, (_, i) => digestEntryOf({ ...finding, resource: `${finding.resource}-${i}`, event: { ...finding.event, id: `event-${i}` } })),
  };
  return digestAlertOf(content);
}

function expectSlackWithinLimits(blocks: SlackBlock[]): void {
  expect(blocks.length).toBeLessThanOrEqual(50);
  for (const block of blocks) {
    if (block.type === 'header') expect(Array.from(block.text.text).length).toBeLessThanOrEqual(150);
    if (block.type === 'section') {
      if (block.text) expect(Array.from(block.text.text).length).toBeLessThanOrEqual(3000);
      expect((block.fields ?? []).length).toBeLessThanOrEqual(10);
      for (const field of block.fields ?? []) expect(Array.from(field.text).length).toBeLessThanOrEqual(2000);
    }
    if (block.type === 'context') expect(block.elements.length).toBeLessThanOrEqual(10);
  }
}

const cases: Array<[string, () => Alert]> = [
  ...controls.map((c) => [`a ${c.id} finding`, () => alertOf(findingOf(c.id))] as [string, () => Alert]),
  ['a finding with 3,000 public statements (about 400 KB of evidence)', () => alertOf(oversized(3000))],
  ['a finding with 20 statements', () => alertOf(oversized(20))],
  ['a digest of 500 findings', () => digestOf(500)],
  [
    'a count update',
    () => updateAlertOf({ kind: 'update', finding: oversized(3000), count: 50, sinceLast: 49, firstSeen: '2026-01-01T00:00:00.000Z', lastSeen: '2026-01-01T00:00:30.000Z', windowEnds: '2026-01-01T00:15:00.000Z' }),
  ],
];

describe.each(cases)('%s', (_name, make) => {
  const alert = make();
  const { structure, json } = snsMessageOf(alert);

  it('fits SNS: the whole per-protocol message within 256 KiB, an ASCII subject under 100 characters', () => {
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(MAX_SNS_MESSAGE_BYTES);
    expect(alert.subject).toMatch(/^[\x20-\x7e]{1,99}$/);
    expect(Object.keys(structure).sort()).toEqual(['default', 'email', 'email-json', 'firehose', 'https', 'lambda', 'sqs']);
    expect([...json].filter((c) => c === '\uFFFD')).toEqual([]);
  });

  it('gives machines the alert document, the same on sqs, lambda and email-json', () => {
    const doc = parseAlertDocument(structure.sqs);
    expect(doc).toMatchObject({ schema: 'drift-responder.alert/1', kind: alert.content.kind, subject: alert.subject });
    expect(structure.lambda).toBe(structure.sqs);
    expect(structure['email-json']).toBe(structure.sqs);
  });

  it('gives chat a valid custom notification', () => {
    const chat = JSON.parse(structure.https);
    expect(chat).toMatchObject({ version: '1.0', source: 'custom', content: { textType: 'client-markdown', title: expect.any(String), description: expect.any(String) } });
    expect(chat.content.title.length).toBeGreaterThan(0);
    expect(Array.from(chat.content.description as string).length).toBeLessThanOrEqual(2800);
  });

  it('renders Slack blocks within Block Kit limits', () => {
    const message = slackMessageOf(parseAlertDocument(structure.lambda)!);
    expect(message.text.length).toBeGreaterThan(0);
    expect(message.attachments).toHaveLength(1);
    expect(message.attachments[0]!.color).toMatch(/^#[0-9A-F]{6}$/i);
    expectSlackWithinLimits(message.attachments[0]!.blocks);
  });
});

describe('the email text of a finding', () => {
  it.each([
    ['applied', 'Already undone by the responder'],
    ['planned', 'Dry-run: nothing was changed. Revert the change by hand if it was not approved, or let the responder do it: set controls.bus-policy-public.dryRun: false'],
    ['failed', 'The automatic fix FAILED: revert the change by hand now'],
    ['none', 'No automatic fix for this control'],
  ] as const)('says what to do next when the remediation was %s', (status, next) => {
    const finding: Finding = { ...findingOf('bus-policy-public'), remediation: { status, reason: 'test' } };
    expect(alertOf(finding).message).toContain(`Next:       ${next}`);
  });

  it('links to the resource in the console and to the CloudTrail event', () => {
    const message = alertOf(findingOf('bus-policy-public')).message;
    expect(message).toContain('Event bus:        https://us-east-1.console.aws.amazon.com/events/home?region=us-east-1#/eventbus/default');
    expect(message).toMatch(/CloudTrail event: https:\/\/us-east-1\.console\.aws\.amazon\.com\/cloudtrailv2\/home\?region=us-east-1#\/events\/[0-9a-f-]+/);
  });
});

describe('a digest', () => {
  it('counts every finding and lists as many as fit, naming how many more there are', () => {
    const alert = digestOf(500);
    expect(alert.subject).toBe('[CRITICAL] drift-responder digest: 500 findings in one minute (123456789012 us-east-1)');
    expect(alert.attributes).toEqual({ severity: 'critical', control: 'digest', account: '123456789012' });
    expect(alert.message).toContain('ALERT STORM: 500 findings between 2026-01-01T00:00:00.000Z and 2026-01-01T00:01:00.000Z');
    expect(alert.message).toContain('By control:  bus-policy-public 500');
    const listed = alert.message.split('\n').filter((l) => l.includes('  CRITICAL  bus-policy-public  ')).length;
    const unlisted = Number(/\[(\d+) more finding\(s\) not listed here/.exec(alert.message)?.[1] ?? '0');
    expect(listed).toBeGreaterThan(100);
    expect(listed + unlisted).toBe(500);
  });

  it('in a smaller budget, lists fewer and says how many are left out', () => {
    const alert = digestOf(2000);
    const lines = alert.message.split('\n');
    const listed = lines.filter((l) => l.includes('  CRITICAL  bus-policy-public  ')).length;
    expect(listed).toBeLessThan(2000);
    expect(alert.message).toContain(`[${2000 - listed} more finding(s) not listed here: see the logs query above]`);
  });
});

describe('a count update', () => {
  it('says how often the finding repeated', () => {
    const alert = updateAlertOf({ kind: 'update', finding: findingOf('bus-policy-public'), count: 50, sinceLast: 49, firstSeen: '2026-01-01T00:00:00.000Z', lastSeen: '2026-01-01T00:00:30.000Z', windowEnds: '2026-01-01T00:15:00.000Z' });
    expect(alert.subject).toBe('[CRITICAL] bus-policy-public: default seen 50x (123456789012 us-east-1)');
    expect(alert.message).toContain('Repeats:    49 more since the last message (50 in all since 2026-01-01T00:00:00.000Z; last 2026-01-01T00:00:30.000Z)');
    expect(documentOf(alert)).toMatchObject({ kind: 'update', occurrences: { count: 50, sinceLast: 49 } });
  });
});
