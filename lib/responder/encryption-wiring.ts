import type { WireConfig } from '../aws/wire/client';
import { kmsService, snsService, sqsService } from '../aws/wire/services';
import type { JsonService } from '../aws/wire/json';
import { eventBusSettingsAdapter } from '../aws/event-bus-settings';
import { kmsAdapter } from '../aws/kms';
import { snsTopicAdapter } from '../aws/sns-topic';
import { sqsAdapter } from '../aws/sqs';
import { eventBusSettingsSnapshotter } from '../baseline/event-bus-settings';
import { keyUsersFrom, kmsKeySnapshotter } from '../baseline/kms-keys';
import { queueSnapshotter } from '../baseline/queues';
import type { Snapshotter } from '../baseline/snapshotter';
import { topicSnapshotter } from '../baseline/topics';
import { restoreBusEncryptionRemediator } from '../remediation/bus-encryption';
import { kmsRemediators } from '../remediation/kms-keys';
import { removeQueueStatementsRemediator, restoreQueueAttributesRemediator } from '../remediation/queues';
import { restoreTopicAttributesRemediator } from '../remediation/topic';
import type { CloudTrailPort } from '../remediation/cloudtrail';
import type { Remediator } from '../remediation/types';

/**
 * The encryption controls' side: KMS keys, queues, the alert topic and bus settings
 * (and the trails, read only for the KMS keys they are encrypted with).
 * One set of adapters (services created once per container) serves their remediators
 * and their snapshotters.
 */
export function encryptionWiring(eventBridge: JsonService, wire: WireConfig, trails: Pick<CloudTrailPort, 'listTrails'>) {
  const clients = { kms: kmsService(wire), sqs: sqsService(wire), sns: snsService(wire) };
  const kms = kmsAdapter(clients.kms);
  const sqs = sqsAdapter(clients.sqs);
  const topics = snsTopicAdapter(clients.sns);
  const busSettings = eventBusSettingsAdapter(eventBridge);
  const snapshotters: Snapshotter[] = [
    kmsKeySnapshotter(kms, keyUsersFrom({ queues: sqs, buses: busSettings, topics, trails })),
    queueSnapshotter(sqs),
    eventBusSettingsSnapshotter(busSettings),
    topicSnapshotter(topics),
  ];
  const remediators: Remediator[] = [
    ...kmsRemediators(kms),
    restoreBusEncryptionRemediator(busSettings),
    restoreQueueAttributesRemediator(sqs),
    removeQueueStatementsRemediator(sqs),
    restoreTopicAttributesRemediator(topics),
  ] as Remediator[];
  // The raw clients also read these resources' tags (lib/aws/tags.ts).
  return { snapshotters, remediators, clients };
}
