/**
 * Security Hub output against moto (BatchImportFindings, GetFindings): findings are imported
 * in the AWS Security Finding Format under a stable Id per control and resource, so a
 * recurrence updates the finding instead of adding one, and a remediated finding is archived
 * and resolved. The adapter runs on the functions' wire client; the SDK client here only reads
 * back what moto stored. moto (5.2) has no BatchUpdateFindings: the resolve call is recorded by
 * a wrapper around the real adapter, and its request is checked over a fake transport below.
 */
import { GetFindingsCommand, SecurityHubClient, type AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { randomUUID } from 'node:crypto';
import type { Finding } from '../../lib/controls/types';
import { alertOf } from '../../lib/alerts/format';
import { securityHubIdOf, securityHubSink, type SecurityHubPort } from '../../lib/alerts/security-hub';
import { securityHubAdapter } from '../../lib/aws/security-hub';
import { securityHubService } from '../../lib/aws/wire/services';
import type { WireResponse } from '../../lib/aws/wire/types';
import { scriptedTransport } from '../support/scripted-transport';
import { awsClientConfig, MOTO_ACCOUNT_ID, wireTestConfig } from './harness/aws';

jest.setTimeout(60_000);

const client = new SecurityHubClient(awsClientConfig());
const securityHub = securityHubService(wireTestConfig());

function recording(port: SecurityHubPort): SecurityHubPort & { resolved: Array<{ id: string; productArn: string; note: string }> } {
  const resolved: Array<{ id: string; productArn: string; note: string }> = [];
  return { ...port, resolved, resolve: async (id, productArn, note) => void resolved.push({ id, productArn, note }) };
}

function findingOn(bus: string, status: Finding['remediation']['status'], time: string): Finding {
  return {
    control: 'bus-policy-public',
    severity: 'critical',
    title: 'event bus policy allows any AWS principal',
    resource: `arn:aws:events:us-east-1:${MOTO_ACCOUNT_ID}:event-bus/${bus}`,
    evidence: { summary: 'statement "open" allows Principal "*"' },
    account: MOTO_ACCOUNT_ID,
    region: 'us-east-1',
    event: { id: randomUUID(), name: 'PutPermission', source: 'events.amazonaws.com', time },
    actor: { arn: 'arn:aws:iam::123456789012:user/mallory', type: 'IAMUser', sourceIp: '203.0.113.7' },
    remediation: { status, reason: status === 'applied' ? 'RemovePermission open' : 'dry-run: would remove 1 statement(s)' },
  };
}

async function storedWithId(id: string): Promise<AwsSecurityFinding[]> {
  const all: AwsSecurityFinding[] = [];
  let token: string | undefined;
  do {
    const out = await client.send(new GetFindingsCommand({ MaxResults: 100, NextToken: token }));
    all.push(...(out.Findings ?? []));
    token = out.NextToken;
  } while (token);
  return all.filter((f) => f.Id === id); // moto ignores GetFindings filters
}

describe('Security Hub output (moto)', () => {
  it('imports a finding in ASFF, active and new', async () => {
    // Prepare
    const port = recording(securityHubAdapter(securityHub));
    const sink = securityHubSink(port, { enabled: true, now: () => new Date('2026-03-01T10:00:05Z') });
    const finding = findingOn(`orders-${randomUUID().slice(0, 8)}`, 'planned', '2026-03-01T10:00:00Z');

    // Act
    await sink.publish(alertOf(finding));

    // Assess
    const [stored, ...more] = await storedWithId(securityHubIdOf(finding));
    expect(more).toEqual([]);
    expect(stored).toMatchObject({
      SchemaVersion: '2018-10-08',
      Id: securityHubIdOf(finding),
      ProductArn: `arn:aws:securityhub:us-east-1:${MOTO_ACCOUNT_ID}:product/${MOTO_ACCOUNT_ID}/default`,
      GeneratorId: 'drift-responder/bus-policy-public',
      AwsAccountId: MOTO_ACCOUNT_ID,
      Types: ['Software and Configuration Checks/AWS Security Best Practices'],
      CreatedAt: '2026-03-01T10:00:00Z',
      UpdatedAt: '2026-03-01T10:00:05.000Z',
      Severity: { Label: 'CRITICAL' },
      Title: 'event bus policy allows any AWS principal',
      Resources: [{ Type: 'AwsEventsEventbus', Id: finding.resource, Partition: 'aws', Region: 'us-east-1' }],
      RecordState: 'ACTIVE',
      Workflow: { Status: 'NEW' },
    });
    expect(stored!.Description).toContain('Response: planned');
    expect(port.resolved).toEqual([]);
  });

  it('updates the same finding when it recurs, keeping when it was first seen', async () => {
    // Prepare
    const port = recording(securityHubAdapter(securityHub));
    const bus = `orders-${randomUUID().slice(0, 8)}`;
    const first = findingOn(bus, 'planned', '2026-03-01T10:00:00Z');
    const again = findingOn(bus, 'planned', '2026-03-01T11:30:00Z');

    // Act
    await securityHubSink(port, { enabled: true, now: () => new Date('2026-03-01T10:00:05Z') }).publish(alertOf(first));
    await securityHubSink(port, { enabled: true, now: () => new Date('2026-03-01T11:30:05Z') }).publish(alertOf(again));

    // Assess
    const stored = await storedWithId(securityHubIdOf(first));
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      CreatedAt: '2026-03-01T10:00:00Z',
      FirstObservedAt: '2026-03-01T10:00:00Z',
      LastObservedAt: '2026-03-01T11:30:00Z',
      UpdatedAt: '2026-03-01T11:30:05.000Z',
      RecordState: 'ACTIVE',
      ProductFields: expect.objectContaining({ 'drift-responder/eventId': again.event.id }),
    });
  });

  it('archives a remediated finding and resolves its workflow', async () => {
    // Prepare
    const port = recording(securityHubAdapter(securityHub));
    const bus = `orders-${randomUUID().slice(0, 8)}`;
    const open = findingOn(bus, 'planned', '2026-03-01T10:00:00Z');
    const fixed = findingOn(bus, 'applied', '2026-03-01T10:05:00Z');

    // Act
    await securityHubSink(port, { enabled: true, now: () => new Date('2026-03-01T10:00:05Z') }).publish(alertOf(open));
    await securityHubSink(port, { enabled: true, now: () => new Date('2026-03-01T10:05:05Z') }).publish(alertOf(fixed));

    // Assess
    const stored = await storedWithId(securityHubIdOf(fixed));
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ RecordState: 'ARCHIVED', Workflow: { Status: 'NEW' } }); // Workflow is not ours to import once it exists
    expect(port.resolved).toEqual([{ id: securityHubIdOf(fixed), productArn: `arn:aws:securityhub:us-east-1:${MOTO_ACCOUNT_ID}:product/${MOTO_ACCOUNT_ID}/default`, note: 'Remediated by drift-responder: RemovePermission open' }]);
  });

  it('creates a finding remediated at first sight already archived and resolved', async () => {
    // Prepare
    const port = recording(securityHubAdapter(securityHub));
    const fixed = findingOn(`orders-${randomUUID().slice(0, 8)}`, 'applied', '2026-03-01T10:05:00Z');

    // Act
    await securityHubSink(port, { enabled: true, now: () => new Date('2026-03-01T10:05:05Z') }).publish(alertOf(fixed));

    // Assess
    const stored = await storedWithId(securityHubIdOf(fixed));
    expect(stored).toEqual([expect.objectContaining({ RecordState: 'ARCHIVED', Workflow: { Status: 'RESOLVED' } })]);
    expect(port.resolved).toEqual([]);
  });

  it('imports nothing when the policy leaves Security Hub off (the default)', async () => {
    // Prepare
    const port = recording(securityHubAdapter(securityHub));
    const finding = findingOn(`orders-${randomUUID().slice(0, 8)}`, 'planned', '2026-03-01T10:00:00Z');

    // Act
    await securityHubSink(port, { enabled: false, now: () => new Date() }).publish(alertOf(finding));

    // Assess
    expect(await storedWithId(securityHubIdOf(finding))).toEqual([]);
  });

  /** Security Hub over a fake transport: the one request is kept and answered with `answer`. */
  function securityHubAnswering(answer: WireResponse) {
    const { sent, config } = scriptedTransport(answer);
    return { service: securityHubService(config()), sent };
  }

  it('resolves through BatchUpdateFindings (moto lacks it: checked over a fake transport)', async () => {
    // Prepare
    const { service, sent } = securityHubAnswering({ status: 200, headers: {}, body: JSON.stringify({ ProcessedFindings: [{ Id: 'x', ProductArn: 'p' }], UnprocessedFindings: [] }) });

    // Act
    await securityHubAdapter(service).resolve('x', 'p', 'Remediated by drift-responder: RemovePermission open');

    // Assess
    expect(sent.map((r) => [r.method, r.url.href])).toEqual([['PATCH', 'https://securityhub.us-east-1.amazonaws.com/findings/batchupdate']]);
    expect(JSON.parse(sent[0]!.body)).toEqual({
      FindingIdentifiers: [{ Id: 'x', ProductArn: 'p' }],
      Workflow: { Status: 'RESOLVED' },
      Note: { Text: 'Remediated by drift-responder: RemovePermission open', UpdatedBy: 'drift-responder' },
    });
  });

  it('fails the resolve when Security Hub leaves the finding unprocessed', async () => {
    // Prepare
    const unprocessed = { FindingIdentifier: { Id: 'x', ProductArn: 'p' }, ErrorCode: 'FindingNotFound', ErrorMessage: 'no such finding' };
    const { service } = securityHubAnswering({ status: 200, headers: {}, body: JSON.stringify({ ProcessedFindings: [], UnprocessedFindings: [unprocessed] }) });

    // Act
    const resolving = securityHubAdapter(service).resolve('x', 'p', 'Remediated by drift-responder: RemovePermission open');

    // Assess
    await expect(resolving).rejects.toMatchObject({ name: 'SecurityHubImportError', message: 'BatchUpdateFindings did not resolve x: FindingNotFound no such finding' });
  });
});
