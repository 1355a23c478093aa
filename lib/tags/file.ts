import { readFileSync } from 'node:fs';
import { isRecord } from '../util/json';
import type { TagSet } from './types';

export class TagsFileError extends Error {
  override readonly name = 'TagsFileError';
}

function tagList(value: unknown, where: string): Record<string, string> {
  if (Array.isArray(value)) {
    const tags: Record<string, string> = {};
    value.forEach((tag, i) => {
      // Key/Value (Resource Groups Tagging API, EventBridge, SNS, CloudTrail), TagKey/TagValue (KMS).
      const key = isRecord(tag) ? (tag.Key ?? tag.TagKey) : undefined;
      const val = isRecord(tag) ? (tag.Value ?? tag.TagValue ?? '') : undefined;
      if (typeof key !== 'string' || typeof val !== 'string') throw new TagsFileError(`${where}[${i}]: expected {"Key": "...", "Value": "..."}`);
      tags[key] = val;
    });
    return tags;
  }
  if (isRecord(value) && Object.values(value).every((v) => typeof v === 'string')) return value as Record<string, string>;
  throw new TagsFileError(`${where}: expected a list of {"Key", "Value"} or an object of tag values`);
}

/**
 * Tags for replay, keyed by resource ARN, from what users can export: the output of
 * `aws resourcegroupstaggingapi get-resources` ({"ResourceTagMappingList": [{"ResourceARN",
 * "Tags": [{"Key", "Value"}]}]}, pages concatenated as a JSON array of those also accepted),
 * or a plain object {"<ARN>": {"Key": "Value"}}.
 */
export function parseTagsDocument(document: unknown, file: string): Record<string, TagSet> {
  const pages = Array.isArray(document) ? document : [document];
  const byArn: Record<string, TagSet> = {};
  pages.forEach((page, p) => {
    const at = Array.isArray(document) ? `${file}[${p}]` : file;
    if (!isRecord(page)) throw new TagsFileError(`${at}: expected an object`);
    if ('ResourceTagMappingList' in page) {
      const list = page.ResourceTagMappingList;
      if (!Array.isArray(list)) throw new TagsFileError(`${at}: ResourceTagMappingList must be a list`);
      list.forEach((mapping, i) => {
        const where = `${at}: ResourceTagMappingList[${i}]`;
        if (!isRecord(mapping) || typeof mapping.ResourceARN !== 'string') throw new TagsFileError(`${where}: expected a ResourceARN`);
        byArn[mapping.ResourceARN] = tagList(mapping.Tags ?? [], `${where}.Tags`);
      });
      return;
    }
    for (const [arn, tags] of Object.entries(page)) {
      if (!arn.startsWith('arn:')) throw new TagsFileError(`${at}: key "${arn}" is not an ARN`);
      byArn[arn] = tagList(tags, `${at}: "${arn}"`);
    }
  });
  return byArn;
}

export function loadTagsFile(file: string): Record<string, TagSet> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new TagsFileError(`cannot read tags file ${file}: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new TagsFileError(`tags file ${file} is not JSON: ${(error as Error).message}`);
  }
  return parseTagsDocument(document, file);
}
