/**
 * moto 5.2.5 does not implement EventBridge UpdateEventBus (TOOLCHAIN.md), so this remediation
 * is tested over a fake transport instead of the emulator: the real adapter
 * (lib/aws/event-bus-settings.ts), the real EventBridge wire service and the remediator, with
 * EventBridge's JSON answers scripted and the requests as they would go on the wire recorded.
 */
import { eventBusSettingsAdapter } from '../aws/event-bus-settings';
import { eventBridgeService } from '../aws/wire/services';
import type { WireResponse } from '../aws/wire/types';
import { scriptedTransport } from '../../test/support/scripted-transport';
import { restoreBusEncryptionRemediator } from './bus-encryption';
import { NoBaselineError } from './no-baseline';

const CMK = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const DLQ = 'arn:aws:sqs:us-east-1:123456789012:orders-bus-dlq';

const json = (status: number, body: object): WireResponse => ({ status, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify(body) });

/** EventBridge over a fake transport answering in order, and each request's operation and input as EventBridge reads them. */
function scriptedEventBridge(...answers: WireResponse[]) {
  const { sent, config } = scriptedTransport(...answers);
  const requested = () => sent.map((request) => ({ operation: (request.headers['x-amz-target'] ?? '').replace(/^AWSEvents\./, ''), input: JSON.parse(request.body) as unknown }));
  return {
    service: eventBridgeService(config()),
    get requests() {
      return requested();
    },
    inputsOf: (operation: string) => requested().filter((r) => r.operation === operation).map((r) => r.input),
  };
}

describe('restore-bus-encryption (UpdateEventBus over a fake transport: moto lacks it)', () => {
  it('puts the baseline key and DLQ back, keeping the live description and log config', async () => {
    // Prepare
    const events = scriptedEventBridge(
      json(200, { Name: 'orders', Description: 'orders bus', LogConfig: { Level: 'ERROR', IncludeDetail: 'NONE' }, CreationTime: 1.7e9 }), // DescribeEventBus: live
      json(200, {}), // UpdateEventBus
      json(200, { Name: 'orders', Description: 'orders bus', KmsKeyIdentifier: CMK, DeadLetterConfig: { Arn: DLQ } }), // DescribeEventBus: after
    );
    const remediator = restoreBusEncryptionRemediator(eventBusSettingsAdapter(events.service));
    const plan = { kind: 'restore-bus-encryption', busName: 'orders', settings: { kmsKeyIdentifier: CMK, deadLetterArn: DLQ } } as const;

    // Act
    const live = await remediator.readLive(plan);
    const result = await remediator.apply(plan, live);

    // Assess
    expect(events.inputsOf('UpdateEventBus')).toEqual([
      { Name: 'orders', KmsKeyIdentifier: CMK, DeadLetterConfig: { Arn: DLQ }, Description: 'orders bus', LogConfig: { Level: 'ERROR', IncludeDetail: 'NONE' } },
    ]);
    expect(result.before).toEqual({ kmsKeyIdentifier: null, deadLetterArn: null });
    expect(result.after).toEqual({ kmsKeyIdentifier: CMK, deadLetterArn: DLQ });
    expect(result.actions).toEqual([`UpdateEventBus orders KmsKeyIdentifier=${CMK} DeadLetterConfig=${DLQ}`]);
  });

  it('reads a bus that no longer exists as gone', async () => {
    // Prepare
    const events = scriptedEventBridge(json(400, { __type: 'ResourceNotFoundException', message: 'Event bus orders does not exist.' }));
    const remediator = restoreBusEncryptionRemediator(eventBusSettingsAdapter(events.service));

    // Act
    const live = await remediator.readLive({ kind: 'restore-bus-encryption', busName: 'orders', settings: {} });

    // Assess
    expect(live).toEqual({ kind: 'event-bus-settings', busName: 'orders', settings: undefined });
    expect(events.inputsOf('DescribeEventBus')).toEqual([{ Name: 'orders' }]);
  });

  it('says "no baseline" and calls nothing when there is none', async () => {
    // Prepare
    const events = scriptedEventBridge(json(200, {})); // an UpdateEventBus would succeed: only the recorded requests tell
    const remediator = restoreBusEncryptionRemediator(eventBusSettingsAdapter(events.service));
    const plan = { kind: 'restore-bus-encryption', busName: 'orders', noBaseline: 'no baseline of this bus is stored' } as const;

    // Act
    const applying = remediator.apply(plan, { kind: 'event-bus-settings', busName: 'orders', settings: {} });

    // Assess
    await expect(applying).rejects.toThrow(NoBaselineError);
    await expect(remediator.apply(plan, { kind: 'event-bus-settings', busName: 'orders', settings: {} })).rejects.toThrow(/no baseline/);
    expect(events.requests).toEqual([]);
  });
});
