import type { TaggableResource, TagReading, TagSet, TagSource } from '../tags/types';
import { isTrailNotFound } from './cloudtrail';
import { causeOf, isEventBridgeNotFound, isTransient } from './errors';
import { isKeyNotFound } from './kms';
import { isTopicNotFound, listTopicTags } from './sns-topic';
import { isMissingQueue } from './sqs';
import type { JsonService } from './wire/json';
import type { QueryService } from './wire/query-service';

export interface TagClients {
  eventBridge: JsonService;
  kms: JsonService;
  sqs: JsonService;
  cloudTrail: JsonService;
  sns: QueryService;
}

/** Each kind's "no such resource" (the resource was deleted: its baseline may still know its tags), as its adapter reads it. */
const IS_GONE: Readonly<Record<TaggableResource['kind'], (error: unknown) => boolean>> = {
  'event-bus': isEventBridgeNotFound,
  rule: isEventBridgeNotFound,
  key: isKeyNotFound,
  queue: isMissingQueue,
  trail: isTrailNotFound,
  topic: isTopicNotFound,
};

interface KmsTagsPage {
  Tags?: Array<{ TagKey?: string; TagValue?: string }>;
  Truncated?: boolean;
  NextMarker?: string;
}
interface TrailTagsOutput {
  ResourceTagList?: Array<{ ResourceId?: string; TagsList?: Array<{ Key?: string; Value?: string }> }>;
}

/** Tags as most AWS APIs list them ([{Key, Value}]), as a plain object. */
export function pairs(list: ReadonlyArray<{ Key?: string; Value?: string }> | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key as string, t.Value ?? '']));
}

async function kmsTags(kms: JsonService, keyArn: string): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  let marker: string | undefined;
  do {
    const page = await kms.call<KmsTagsPage>('ListResourceTags', { KeyId: keyArn, ...(marker ? { Marker: marker } : {}) });
    for (const t of page.Tags ?? []) if (t.TagKey !== undefined) tags[t.TagKey] = t.TagValue ?? '';
    marker = page.Truncated ? page.NextMarker : undefined;
  } while (marker);
  return tags;
}

async function read(clients: TagClients, resource: TaggableResource): Promise<TagSet> {
  switch (resource.kind) {
    case 'event-bus':
    case 'rule':
      return pairs((await clients.eventBridge.call<{ Tags?: Array<{ Key?: string; Value?: string }> }>('ListTagsForResource', { ResourceARN: resource.arn })).Tags);
    case 'key':
      return kmsTags(clients.kms, resource.arn);
    case 'queue':
      return (await clients.sqs.call<{ Tags?: Record<string, string> }>('ListQueueTags', { QueueUrl: resource.url ?? resource.arn })).Tags ?? {};
    case 'trail': {
      const { ResourceTagList } = await clients.cloudTrail.call<TrailTagsOutput>('ListTags', { ResourceIdList: [resource.arn] });
      return pairs(ResourceTagList?.find((r) => r.ResourceId === resource.arn)?.TagsList ?? ResourceTagList?.[0]?.TagsList);
    }
    case 'topic':
      return pairs(await listTopicTags(clients.sns, resource.arn));
  }
}

/**
 * Reads a resource's tags live with its own service's API. A resource that no longer exists,
 * or whose tags the responder may not read, gives an `unknown` reading with the cause (the
 * caller falls back to the baseline's tags, else judges it untagged and says so). Throttling
 * and 5xx that outlast the client's retries throw: the invocation fails and is retried, rather
 * than a protected resource being judged as untagged by accident.
 */
export function liveTagSource(clients: TagClients): TagSource {
  return {
    iamActions: ['events:ListTagsForResource', 'kms:ListResourceTags', 'sqs:ListQueueTags', 'cloudtrail:ListTags', 'sns:ListTagsForResource'],
    async read(resource): Promise<TagReading> {
      try {
        return { status: 'known', tags: await read(clients, resource), source: 'live' };
      } catch (error) {
        if (isTransient(error)) throw error;
        const gone = IS_GONE[resource.kind](error);
        return { status: 'unknown', reason: gone ? `${resource.arn} no longer exists` : `could not read the tags of ${resource.arn}: ${causeOf(error)}` };
      }
    },
  };
}
