/**
 * DynamoDB items as its JSON protocol carries them (lib/aws/wire): each attribute is an object
 * naming its type ({ S: 'text' }, { N: '1' }, { SS: [...] }, { M: {...} }), exactly what the
 * SDK's low-level commands took. Declared here rather than imported from the SDK, whose
 * AttributeValue types binaries as Uint8Array where the wire carries base64 text.
 */
export interface AttributeValue {
  S?: string;
  /** Numbers travel as decimal text, so no precision is lost. */
  N?: string;
  SS?: string[];
  NS?: string[];
  /** Base64 text on the wire. */
  B?: string;
  BOOL?: boolean;
  NULL?: boolean;
  M?: Record<string, AttributeValue>;
  L?: AttributeValue[];
}

export type Item = Record<string, AttributeValue>;

/** GetItem's answer: no Item when there is none under the key. */
export interface GetItemOutput {
  Item?: Item;
}

/** UpdateItem's (and PutItem's, DeleteItem's) answer: the attributes ReturnValues asked for. */
export interface UpdateItemOutput {
  Attributes?: Item;
}

export interface KeysAndAttributes {
  Keys: Item[];
  ConsistentRead?: boolean;
}

/** BatchGetItem's answer: items per table, and the keys DynamoDB did not get to (to ask again). */
export interface BatchGetItemOutput {
  Responses?: Record<string, Item[]>;
  UnprocessedKeys?: Record<string, KeysAndAttributes>;
}

/** The error code of a failed ConditionExpression (the wire client's errors are named by their code). */
export const CONDITIONAL_CHECK_FAILED = 'ConditionalCheckFailedException';
