import type { GetResourcesInput } from '@aws-sdk/client-resource-groups-tagging-api';
import type { JsonService } from './wire/json';
import type { TagSet } from '../tags/types';
import { pairs } from './tags';

/** Every tagged bus, rule, key, queue, topic and trail of the account in this region, with its tags. */
export interface TagDirectory {
  readonly iamActions: readonly string[];
  taggedResources(): Promise<Map<string, TagSet>>;
}

/** The services whose resources tag rules steer (Resource Groups Tagging API resource type filters). */
const RESOURCE_TYPES = ['events:rule', 'events:event-bus', 'kms:key', 'sqs:queue', 'sns:topic', 'cloudtrail:trail'];

/** What the directory reads of a GetResources page. */
interface GetResourcesPage {
  PaginationToken?: string;
  ResourceTagMappingList?: Array<{ ResourceARN?: string; Tags?: Array<{ Key?: string; Value?: string }> }>;
}

/**
 * One paginated GetResources instead of a tag call per resource: how the snapshot function
 * finds resources that only their tags protect, and records every baseline's tags.
 */
export function resourceGroupsTagDirectory(tagging: JsonService): TagDirectory {
  return {
    iamActions: ['tag:GetResources'],
    async taggedResources() {
      const found = new Map<string, TagSet>();
      let token: string | undefined;
      do {
        const input: GetResourcesInput = { ResourceTypeFilters: RESOURCE_TYPES, ResourcesPerPage: 100, ...(token ? { PaginationToken: token } : {}) };
        const page = await tagging.call<GetResourcesPage>('GetResources', input);
        for (const mapping of page.ResourceTagMappingList ?? []) {
          if (!mapping.ResourceARN) continue;
          found.set(mapping.ResourceARN, pairs(mapping.Tags));
        }
        token = page.PaginationToken || undefined;
      } while (token);
      return found;
    },
  };
}
