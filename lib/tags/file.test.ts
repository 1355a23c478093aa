import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadTagsFile, parseTagsDocument } from './file';

const BUS = 'arn:aws:events:us-east-1:123456789012:event-bus/orders';
const KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('parseTagsDocument', () => {
  test('reads the output of `aws resourcegroupstaggingapi get-resources`', () => {
    const document = {
      PaginationToken: '',
      ResourceTagMappingList: [
        { ResourceARN: BUS, Tags: [{ Key: 'Environment', Value: 'Production' }, { Key: 'Team', Value: 'payments' }] },
        { ResourceARN: KEY, Tags: [] },
      ],
    };

    expect(parseTagsDocument(document, 'tags.json')).toEqual({ [BUS]: { Environment: 'Production', Team: 'payments' }, [KEY]: {} });
  });

  test('reads several pages of it as a JSON array, and a plain ARN → tags object, and KMS TagKey/TagValue lists', () => {
    const pages = [{ ResourceTagMappingList: [{ ResourceARN: BUS, Tags: [{ Key: 'A', Value: '1' }] }] }, { [KEY]: [{ TagKey: 'B', TagValue: '2' }] }];

    expect(parseTagsDocument(pages, 'tags.json')).toEqual({ [BUS]: { A: '1' }, [KEY]: { B: '2' } });
  });

  test.each([
    ['a key that is not an ARN', { orders: { A: '1' } }, 'tags.json: key "orders" is not an ARN'],
    ['a tag without a Key', { ResourceTagMappingList: [{ ResourceARN: BUS, Tags: [{ Value: 'x' }] }] }, 'ResourceTagMappingList[0].Tags[0]: expected {"Key": "...", "Value": "..."}'],
    ['a mapping without ResourceARN', { ResourceTagMappingList: [{ Tags: [] }] }, 'ResourceTagMappingList[0]: expected a ResourceARN'],
    ['non-string tag values', { [BUS]: { A: 1 } }, 'expected a list of {"Key", "Value"} or an object of tag values'],
  ])('rejects %s, naming where', (_case, document, message) => {
    expect(() => parseTagsDocument(document, 'tags.json')).toThrow(message);
  });
});

describe('loadTagsFile', () => {
  test.each([
    ['a missing file', null, 'cannot read tags file'],
    ['a file that is not JSON', '{"Resource', 'is not JSON'],
  ])('reports %s', (_case, content, message) => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'tags-')), 'tags.json');
    if (content !== null) writeFileSync(file, content);

    expect(() => loadTagsFile(file)).toThrow(message);
  });
});
