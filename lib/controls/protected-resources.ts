import { matchesAnyGlob } from '../util/glob';

/** The short name of an ARN or URL: what follows its last `:` or `/` (a queue, topic, bus or trail name). */
export function nameOf(arnOrName: string): string {
  return arnOrName.split(/[:/]/).pop() ?? arnOrName;
}

/**
 * Whether one of `globs` (from `protect.*`) names a resource: policy authors write
 * names (`*-dlq`), ARNs (`arn:aws:sqs:*:*:orders-dlq`) or, for queues, URLs.
 */
export function isNamedBy(identifiers: readonly (string | undefined)[], globs: readonly string[]): boolean {
  return identifiers.some((id) => id !== undefined && id !== '' && (matchesAnyGlob(id, globs) || matchesAnyGlob(nameOf(id), globs)));
}

/** The glob that names a resource, for evidence (`protect.keys "alias/prod-*"`), or undefined. */
export function globNaming(identifiers: readonly (string | undefined)[], globs: readonly string[]): string | undefined {
  return globs.find((glob) => isNamedBy(identifiers, [glob]));
}
