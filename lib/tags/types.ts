/** A resource's tags, as AWS returns them: keys and values case-sensitive. */
export type TagSet = Readonly<Record<string, string>>;

/** The kinds of resources tag rules steer, each read with its own service's tag API. */
export type TaggableKind = 'event-bus' | 'rule' | 'key' | 'queue' | 'trail' | 'topic';

/** A resource a change is about, identified as its findings name it (the ARN). */
export interface TaggableResource {
  kind: TaggableKind;
  arn: string;
  /** SQS tag APIs take the queue URL, not the ARN. */
  url?: string;
}

/**
 * What is known of a resource's tags: read live, taken from the baseline captured while
 * the resource existed (a deleted rule has no tags left to read), or from the replay's tags
 * file; `unknown` when they could not be read (then the resource is judged as untagged,
 * and findings say so).
 */
export type TagReading =
  | { status: 'known'; tags: TagSet; source: 'live' | 'baseline' | 'file' }
  | { status: 'unknown'; reason: string };

/** Reads tags; the live implementation (lib/aws/tags.ts) caches per invocation. */
export interface TagSource {
  readonly iamActions: readonly string[];
  read(resource: TaggableResource): Promise<TagReading>;
}
