import { readFileSync } from 'node:fs';
import path from 'node:path';
import { NO_BASELINES } from '../baseline/types';
import { evaluateChange } from '../controls/evaluate';
import { controlIds, controls } from '../controls/registry';
import type { Finding } from '../controls/types';
import { parseChange } from '../events/parse';
import { parsePolicy } from '../policy/load';
import { alertOf, MAX_MESSAGE_BYTES, MAX_SUBJECT, messageOf, subjectOf } from './format';

const FIXTURES = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'cloudtrail');
const LEGACY_FORM = 'events_PutPermission_synthetic-awsdocs-putrule-clone_1.json';
const POLICY_FORM = 'events_PutPermission_synthetic-awsdocs-putrule-clone_2.json';

type CloudTrailRecord = Record<string, any>;
const fixture = (name: string): CloudTrailRecord => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8'));

/** Only 111122223333 is trusted, so the legacy fixture (principal 111122223333) is compliant until a clone changes it. */
const policy = parsePolicy('trustedAccounts: ["111122223333"]\norganizationId: o-a1b2c3d4e5\n', 'test-policy.yml', controlIds);

/** The one finding the controls raise for a record; fails the test when there is not exactly one. */
function findingOf(record: CloudTrailRecord): Finding {
  const { findings, failures } = evaluateChange(parseChange(record), { policy, baselines: NO_BASELINES }, controls);
  expect(failures).toEqual([]);
  expect(findings).toHaveLength(1);
  return findings[0]!;
}

/** The legacy-form fixture with the principal opened to everyone: a bus-policy-public finding. */
function publicStatementRecord(): CloudTrailRecord {
  const record = structuredClone(fixture(LEGACY_FORM));
  record.requestParameters.principal = '*';
  return record;
}

function recordOnBus(busName: string): CloudTrailRecord {
  const record = publicStatementRecord();
  record.requestParameters.eventBusName = busName;
  return record;
}

/** The policy-form fixture with its policy replaced by `count` public statements. */
function recordWithPublicStatements(count: number, sidOf: (i: number) => string): CloudTrailRecord {
  const record = structuredClone(fixture(POLICY_FORM));
  const statements = Array.from({ length: count }, (_, i) => ({
    Sid: sidOf(i),
    Effect: 'Allow',
    Principal: '*',
    Action: 'events:PutEvents',
    Resource: 'arn:aws:events:us-east-1:123456789012:event-bus/cli-test',
  }));
  record.requestParameters.policy = JSON.stringify({ Version: '2012-10-17', Statement: statements });
  return record;
}

describe('subjectOf', () => {
  it('names severity, control, resource, account and region', () => {
    // Prepare
    const finding = findingOf(publicStatementRecord());

    // Act
    const subject = subjectOf(finding);

    // Assess
    expect(subject).toBe('[CRITICAL] bus-policy-public: default (123456789012 us-east-1)');
  });

  it.each([
    ['a bus name of 256 characters', 'b'.repeat(256)],
    ['a bus name with non-ASCII characters', 'fäktura-büs-日本語-☃'],
    ['a bus name with line breaks and tabs', 'evil\r\nBcc: someone\tbus'],
    ['a long bus name made only of non-ASCII characters', 'é'.repeat(300)],
    ['a long bus name with astral-plane characters', '🚨'.repeat(120)],
  ])('stays one ASCII line under 100 characters for %s', (_name, busName) => {
    // Prepare
    const finding = findingOf(recordOnBus(busName));

    // Act
    const subject = subjectOf(finding);

    // Assess
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject.length).toBeLessThan(100);
    expect(subject.length).toBeLessThanOrEqual(MAX_SUBJECT);
    expect(subject.startsWith('[CRITICAL] bus-policy-public: ')).toBe(true);
  });

  it('keeps the ASCII letters of a non-ASCII name', () => {
    // Prepare
    const finding = findingOf(recordOnBus('fäktura'));

    // Act
    const subject = subjectOf(finding);

    // Assess
    expect(subject).toContain(': faktura (');
  });
});

describe('messageOf', () => {
  it.each([
    ['control', 'Control:    bus-policy-public'],
    ['severity and title', 'CRITICAL: event bus policy allows any AWS principal'],
    ['resource', 'Resource:   arn:aws:events:us-east-1:123456789012:event-bus/default'],
    ['actor ARN', 'Who:        arn:aws:iam::123456789012:root (Root)'],
    ['source IP', 'From:       AWS Internal'],
    ['user agent', 'User agent: AWS CloudWatch Console'],
    ['eventID', 'eventID 06ea7329-54b6-43be-9d46-be93bc83638e'],
    ['offending statement', '"Principal": "*"'],
    ['offending statement Sid', '"Sid": "MyStatement"'],
    ['link to the CloudTrail event', '#/events/06ea7329-54b6-43be-9d46-be93bc83638e'],
  ])('shows the %s', (_name, expected) => {
    // Prepare
    const finding = findingOf(publicStatementRecord());

    // Act
    const message = messageOf(finding);

    // Assess
    expect(message).toContain(expected);
  });

  it('shows the remediation status and reason', () => {
    // Prepare
    const finding: Finding = {
      ...findingOf(publicStatementRecord()),
      remediation: { status: 'applied', reason: 'RemovePermission default StatementId=MyStatement' },
    };

    // Act
    const message = messageOf(finding);

    // Assess
    expect(message).toContain('Response:   applied: RemovePermission default StatementId=MyStatement');
  });

  it('shows the role behind an assumed-role session', () => {
    // Prepare
    const record = publicStatementRecord();
    record.userIdentity = fixture('kms_PutKeyPolicy_panther-analysis_2.json').userIdentity;
    const finding = findingOf(record);

    // Act
    const message = messageOf(finding);

    // Assess
    expect(message).toContain(
      'Who:        arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_ExampleRole_xxxxxxxxxxxxxxxx/example.user (AssumedRole) via arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ExampleRole_xxxxxxxxxxxxxxxx',
    );
  });

  it('shows Before and After when the evidence has them', () => {
    // Prepare
    const raised = findingOf(publicStatementRecord());
    const finding: Finding = {
      ...raised,
      evidence: {
        ...raised.evidence,
        before: { Version: '2012-10-17', Statement: [{ Sid: 'MyStatement', Principal: '*' }] },
        after: { Version: '2012-10-17', Statement: [{ Sid: 'KeptStatement', Principal: { AWS: 'arn:aws:iam::111122223333:root' } }] },
      },
    };

    // Act
    const message = messageOf(finding);

    // Assess
    expect(message).toMatch(/\nBefore:\n\{[\s\S]*"MyStatement"[\s\S]*\nAfter:\n\{[\s\S]*"KeptStatement"/);
  });

  it('leaves out Before and After when the evidence has neither', () => {
    // Prepare
    const raised = findingOf(publicStatementRecord());
    const finding: Finding = { ...raised, evidence: { summary: raised.evidence.summary, statements: raised.evidence.statements } };

    // Act
    const message = messageOf(finding);

    // Assess
    expect(message).not.toContain('Before:');
    expect(message).not.toContain('After:');
    expect(message).toContain('Offending statement(s):');
  });

  it('keeps a message that fits whole, without a truncation note', () => {
    // Prepare
    const finding = findingOf(recordWithPublicStatements(20, (i) => `open_${i}`));

    // Act
    const message = messageOf(finding);

    // Assess
    expect(message).not.toContain('[truncated');
    expect(message.endsWith('-- drift-responder')).toBe(true);
  });

  /** The message's short lines: the header fields, without multi-kilobyte evidence lines (keeps failure output readable). */
  const shortLinesOf = (message: string) => message.split('\n').filter((line) => line.length < 300);

  const oversized = [
    ['ASCII evidence', 3000, (i: number) => `allow_everyone_${i}`],
    ['evidence in multi-byte characters', 3000, (i: number) => `${'€'.repeat(20)}_${i}`],
    ['evidence whose summary alone exceeds the limit', 4000, (i: number) => `${String(i).padStart(4, '0')}_${'x'.repeat(59)}`],
  ] as const;

  it.each(oversized)('truncates oversized %s to at most MAX_MESSAGE_BYTES, ending with a note', (_name, count, sidOf) => {
    // Prepare
    const finding = findingOf(recordWithPublicStatements(count, sidOf));

    // Act
    const message = messageOf(finding);

    // Assess
    expect(message.endsWith('\n[truncated: evidence exceeded the SNS size limit; see the CloudTrail event]')).toBe(true);
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
  });

  it.each(oversized)('keeps control, resource, actor and eventID when truncating oversized %s', (_name, count, sidOf) => {
    // Prepare
    const finding = findingOf(recordWithPublicStatements(count, sidOf));

    // Act
    const message = messageOf(finding);

    // Assess
    expect(shortLinesOf(message)).toEqual(
      expect.arrayContaining([
        'Control:    bus-policy-public',
        'Resource:   arn:aws:events:us-east-1:123456789012:event-bus/cli-test',
        'Who:        arn:aws:iam::123456789012:root (Root)',
        'Event:      PutPermission (events.amazonaws.com) eventID 127d1114-e902-48a1-a5c2-3124c4c17cd3',
      ]),
    );
  });

  it.each([0, 1, 2])(
    'does not cut a multi-byte character in half when truncating (evidence shifted by %i byte(s))',
    (shift) => {
      // Prepare: one public statement whose condition value is 300 KB of 3-byte characters, so the
      // cut falls inside them; of three shifts by one byte, at least two would land mid-character
      const record = recordWithPublicStatements(1, () => 'open');
      const policy = JSON.parse(record.requestParameters.policy);
      policy.Statement[0].Condition = { StringEquals: { 'aws:SourceVpce': `${'v'.repeat(shift)}${'€'.repeat(100_000)}` } };
      record.requestParameters.policy = JSON.stringify(policy);
      const finding = findingOf(record);

      // Act
      const message = messageOf(finding);

      // Assess
      expect(message).toMatch(/\[truncated: [^\n]*\]$/);
      expect([...message].filter((char) => char === '\uFFFD')).toEqual([]);
    },
  );
});

describe('alertOf', () => {
  it.each([
    ['a public statement', publicStatementRecord, { severity: 'critical', control: 'bus-policy-public', account: '123456789012' }],
    ['an untrusted account', () => fixture(POLICY_FORM), { severity: 'high', control: 'bus-policy-untrusted-account', account: '123456789012' }],
  ])('carries severity, control and account as attributes for %s', (_name, record, attributes) => {
    // Prepare
    const finding = findingOf(record());

    // Act
    const alert = alertOf(finding);

    // Assess
    expect(alert.attributes).toEqual(attributes);
    expect(alert.subject).toBe(subjectOf(finding));
    expect(alert.message).toBe(messageOf(finding));
  });
});
