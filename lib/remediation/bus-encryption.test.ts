/**
 * moto 5.2.5 does not implement EventBridge UpdateEventBus (TOOLCHAIN.md), so this remediation
 * is tested against aws-sdk-client-mock instead of the emulator: the real adapter
 * (lib/aws/event-bus-settings.ts) and remediator, with the SDK client's answers mocked.
 */
import { DescribeEventBusCommand, EventBridgeClient, UpdateEventBusCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { eventBusSettingsAdapter } from '../aws/event-bus-settings';
import { restoreBusEncryptionRemediator } from './bus-encryption';
import { NoBaselineError } from './no-baseline';

const CMK = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const DLQ = 'arn:aws:sqs:us-east-1:123456789012:orders-bus-dlq';
const eventBridge = mockClient(EventBridgeClient);

beforeEach(() => eventBridge.reset());

describe('restore-bus-encryption (UpdateEventBus mocked: moto lacks it)', () => {
  it('puts the baseline key and DLQ back, keeping the live description and log config', async () => {
    // Prepare
    eventBridge
      .on(DescribeEventBusCommand)
      .resolvesOnce({ Name: 'orders', Description: 'orders bus', LogConfig: { Level: 'ERROR', IncludeDetail: 'NONE' } })
      .resolves({ Name: 'orders', Description: 'orders bus', KmsKeyIdentifier: CMK, DeadLetterConfig: { Arn: DLQ } });
    eventBridge.on(UpdateEventBusCommand).resolves({});
    const remediator = restoreBusEncryptionRemediator(eventBusSettingsAdapter(new EventBridgeClient({ region: 'us-east-1' })));
    const plan = { kind: 'restore-bus-encryption', busName: 'orders', settings: { kmsKeyIdentifier: CMK, deadLetterArn: DLQ } } as const;

    // Act
    const live = await remediator.readLive(plan);
    const result = await remediator.apply(plan, live);

    // Assess
    expect(eventBridge.commandCalls(UpdateEventBusCommand).map((c) => c.args[0].input)).toEqual([
      { Name: 'orders', KmsKeyIdentifier: CMK, DeadLetterConfig: { Arn: DLQ }, Description: 'orders bus', LogConfig: { Level: 'ERROR', IncludeDetail: 'NONE' } },
    ]);
    expect(result.before).toEqual({ kmsKeyIdentifier: null, deadLetterArn: null });
    expect(result.after).toEqual({ kmsKeyIdentifier: CMK, deadLetterArn: DLQ });
    expect(result.actions).toEqual([`UpdateEventBus orders KmsKeyIdentifier=${CMK} DeadLetterConfig=${DLQ}`]);
  });

  it('reads a bus that no longer exists as gone', async () => {
    eventBridge.on(DescribeEventBusCommand).rejects(Object.assign(new Error('gone'), { name: 'ResourceNotFoundException' }));
    const remediator = restoreBusEncryptionRemediator(eventBusSettingsAdapter(new EventBridgeClient({ region: 'us-east-1' })));
    expect(await remediator.readLive({ kind: 'restore-bus-encryption', busName: 'orders', settings: {} })).toEqual({ kind: 'event-bus-settings', busName: 'orders', settings: undefined });
  });

  it('says "no baseline" and calls nothing when there is none', async () => {
    const remediator = restoreBusEncryptionRemediator(eventBusSettingsAdapter(new EventBridgeClient({ region: 'us-east-1' })));
    const plan = { kind: 'restore-bus-encryption', busName: 'orders', noBaseline: 'no baseline of this bus is stored' } as const;
    await expect(remediator.apply(plan, { kind: 'event-bus-settings', busName: 'orders', settings: {} })).rejects.toThrow(NoBaselineError);
    await expect(remediator.apply(plan, { kind: 'event-bus-settings', busName: 'orders', settings: {} })).rejects.toThrow(/no baseline/);
    expect(eventBridge.commandCalls(UpdateEventBusCommand)).toEqual([]);
  });
});
