/**
 * The alert state over the DynamoDB JSON protocol: the conditional writes behind dedup, storm
 * and rate decisions, and BatchGetItem's unprocessed keys asked for again. The flows end to end
 * (50 findings into one alert, 500 into a digest) run against moto in
 * test/integration/alert-dedup-storm.test.ts.
 */
import type { Item } from '../aws/dynamodb-json';
import { AwsServiceError } from '../aws/wire/errors';
import { DYNAMODB } from '../aws/wire/services';
import type { Finding } from '../controls/types';
import { fakeJsonService, jsonError, scriptedJsonService } from '../../test/support/json-services';
import { AlertStateError, dynamoDbAlertState } from './state';

const TABLE = 'state';
const NOW = new Date('2026-11-29T12:34:56Z');
const MINUTE = Math.floor(NOW.getTime() / 60_000);

const FINDING: Finding = {
  control: 'bus-policy-public',
  severity: 'critical',
  title: 'event bus policy allows any AWS principal',
  resource: 'arn:aws:events:us-east-1:123456789012:event-bus/orders',
  evidence: { summary: 'statement "open" allows Principal "*"' },
  account: '123456789012',
  region: 'us-east-1',
  event: { id: 'event-1', name: 'PutPermission', source: 'events.amazonaws.com', time: '2026-11-29T12:34:50Z' },
  actor: { arn: 'arn:aws:iam::123456789012:user/mallory', type: 'IAMUser', sourceIp: '203.0.113.7', userAgent: 'aws-cli/2' },
  remediation: { status: 'planned', reason: 'dry-run' },
};

const conditionFailed = () =>
  new AwsServiceError({ code: 'ConditionalCheckFailedException', message: 'The conditional request failed', status: 400, service: 'dynamodb', operation: 'UpdateItem' });

interface BatchGetInput {
  RequestItems: Record<string, { Keys: Item[]; ConsistentRead: boolean }>;
}
const keysAsked = (input: Record<string, unknown>) => (input as unknown as BatchGetInput).RequestItems[TABLE]!.Keys.map((k) => k.pk!.S);

describe('dynamoDbAlertState', () => {
  describe('claim', () => {
    it('opens a dedup window with one conditional put when none is open', async () => {
      // Prepare
      const { service, calls } = fakeJsonService(() => ({}));

      // Act
      const claim = await dynamoDbAlertState(service, TABLE).claim('dedup-key', FINDING, NOW, 15 * 60_000);

      // Assess
      expect(claim).toEqual({ first: true, token: expect.any(String) });
      expect(calls.map((c) => c.operation)).toEqual(['PutItem']);
      expect(calls[0]!.input).toMatchObject({
        TableName: TABLE,
        Item: { pk: { S: 'dedup#dedup-key' }, occurrences: { N: '1' }, reported: { N: '1' }, windowEnds: { N: String(NOW.getTime() + 900_000) } },
        ConditionExpression: 'attribute_not_exists(pk) OR windowEnds <= :now',
        ExpressionAttributeValues: { ':now': { N: String(NOW.getTime()) } },
      });
    });

    it('counts one more occurrence in the open window, and notes the key as repeated in its minute', async () => {
      // Prepare
      const { service, calls } = fakeJsonService((operation, input) => {
        if (operation === 'PutItem') throw conditionFailed();
        return (input as { ReturnValues?: string }).ReturnValues ? { Attributes: { occurrences: { N: '7' } } } : {};
      });

      // Act
      const claim = await dynamoDbAlertState(service, TABLE).claim('dedup-key', FINDING, NOW, 15 * 60_000);

      // Assess
      expect(claim).toEqual({ first: false, count: 7 });
      expect(calls.map((c) => c.operation)).toEqual(['PutItem', 'UpdateItem', 'UpdateItem']);
      expect(calls[1]!.input).toMatchObject({ Key: { pk: { S: 'dedup#dedup-key' } }, ConditionExpression: 'attribute_exists(pk) AND windowEnds > :now', ReturnValues: 'UPDATED_NEW' });
      expect(calls[2]!.input).toMatchObject({ Key: { pk: { S: `repeats#${MINUTE}` } }, ExpressionAttributeValues: { ':k': { SS: ['dedup-key'] } } });
    });
  });

  describe('takeSlot', () => {
    it.each([
      ['a free slot', () => ({}), true],
      [
        'all slots taken (the condition failed)',
        () => {
          throw conditionFailed();
        },
        false,
      ],
    ])('answers whether it got a publish slot: %s', async (_label, answer, expected) => {
      // Prepare
      const { service, calls } = fakeJsonService(answer);

      // Act
      const taken = await dynamoDbAlertState(service, TABLE).takeSlot(1_764_419_696, 10);

      // Assess
      expect(taken).toBe(expected);
      expect(calls[0]!.input).toMatchObject({ Key: { pk: { S: 'rate#1764419696' } }, ConditionExpression: 'attribute_not_exists(publishes) OR publishes < :limit', ExpressionAttributeValues: { ':limit': { N: '10' } } });
    });

    it("reads DynamoDB's failed-condition answer, as it comes over the wire, as 'no slot'", async () => {
      // Prepare
      const { service, sent } = scriptedJsonService(DYNAMODB, jsonError(400, 'com.amazonaws.dynamodb.v20120810', 'ConditionalCheckFailedException'));

      // Act
      const taken = await dynamoDbAlertState(service, TABLE).takeSlot(1_764_419_696, 10);

      // Assess
      expect(taken).toBe(false);
      expect(sent.map((r) => r.headers['x-amz-target'])).toEqual(['DynamoDB_20120810.UpdateItem']);
    });
  });

  describe('reading with BatchGetItem', () => {
    it('asks again for the keys DynamoDB left unprocessed, and only for those', async () => {
      // Prepare
      const minutes = [MINUTE - 2, MINUTE - 1, MINUTE];
      const repeats = (minute: number, keys: string[]): Item => ({ pk: { S: `repeats#${minute}` }, dedupKeys: { SS: keys } });
      const answers = [
        { Responses: { [TABLE]: [repeats(MINUTE - 2, ['b', 'a'])] }, UnprocessedKeys: { [TABLE]: { Keys: [{ pk: { S: `repeats#${MINUTE - 1}` } }, { pk: { S: `repeats#${MINUTE}` } }], ConsistentRead: true } } },
        { Responses: { [TABLE]: [repeats(MINUTE, ['c', 'a'])] }, UnprocessedKeys: {} },
      ];
      const { service, calls } = fakeJsonService(() => answers[calls.length - 1]);

      // Act
      const keys = await dynamoDbAlertState(service, TABLE).keysWithRepeats(minutes);

      // Assess
      expect(keys).toEqual(['a', 'b', 'c']);
      expect(calls.map((c) => keysAsked(c.input))).toEqual([minutes.map((m) => `repeats#${m}`), [`repeats#${MINUTE - 1}`, `repeats#${MINUTE}`]]);
      expect((calls[0]!.input as unknown as BatchGetInput).RequestItems[TABLE]!.ConsistentRead).toBe(true);
    });

    it('gives up with AlertStateError when keys stay unprocessed after six requests', async () => {
      // Prepare
      jest.useFakeTimers();
      const unprocessed = { [TABLE]: { Keys: [{ pk: { S: `repeats#${MINUTE}` } }], ConsistentRead: true } };
      const { service, calls } = fakeJsonService(() => ({ Responses: { [TABLE]: [] }, UnprocessedKeys: unprocessed }));

      try {
        // Act
        const read = dynamoDbAlertState(service, TABLE).keysWithRepeats([MINUTE]);
        const settled = read.then(
          () => undefined,
          (error: unknown) => error,
        );
        await jest.runAllTimersAsync();

        // Assess
        const error = await settled;
        expect(error).toBeInstanceOf(AlertStateError);
        expect(calls).toHaveLength(6);
      } finally {
        jest.useRealTimers();
      }
    });

    it('takes unreported occurrences with a condition on the count and token it read', async () => {
      // Prepare
      const item: Item = {
        pk: { S: 'dedup#dedup-key' },
        token: { S: 'token-1' },
        occurrences: { N: '5' },
        reported: { N: '1' },
        latest: { S: JSON.stringify(FINDING) },
        firstSeen: { S: '2026-11-29T12:30:00.000Z' },
        lastSeen: { S: '2026-11-29T12:34:00.000Z' },
        windowEnds: { N: String(Date.parse('2026-11-29T12:45:00Z')) },
      };
      const { service, calls } = fakeJsonService((operation) => (operation === 'BatchGetItem' ? { Responses: { [TABLE]: [item] } } : {}));

      // Act
      const taken = await dynamoDbAlertState(service, TABLE).takeUnreported('dedup-key');

      // Assess
      expect(taken).toEqual({ key: 'dedup-key', finding: FINDING, count: 5, reportedBefore: 1, firstSeen: '2026-11-29T12:30:00.000Z', lastSeen: '2026-11-29T12:34:00.000Z', windowEnds: '2026-11-29T12:45:00.000Z' });
      expect(calls[1]).toMatchObject({
        operation: 'UpdateItem',
        input: { ConditionExpression: 'reported = :reported AND #token = :token', ExpressionAttributeValues: { ':count': { N: '5' }, ':reported': { N: '1' }, ':token': { S: 'token-1' } } },
      });
    });
  });
});
