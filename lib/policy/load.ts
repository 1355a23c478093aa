import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { policySchema, type Policy } from './schema';

export class PolicyFileError extends Error {
  override readonly name = 'PolicyFileError';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`invalid policy file ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`, options);
  }
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)';
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const path = issue.path.length > 0 ? `${issue.path.map(String).join('.')}.${key}` : key;
      return `${path}: unknown key`;
    });
  }
  if (issue.code === 'invalid_type') {
    return [`${where}: expected ${issue.expected}${issue.message.includes('received') ? ` (${issue.message.split('received ')[1]})` : ''}`];
  }
  return [`${where}: ${issue.message.replace(/^Invalid input: /, '')}`];
}

/** Parses and validates policy text. Every problem is reported, each naming the file and key path. */
export function parsePolicy(text: string, file: string, knownControlIds: readonly string[]): Policy {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new PolicyFileError(
      file,
      document.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`),
    );
  }
  const raw: unknown = document.toJS() ?? {};
  const result = policySchema(knownControlIds).safeParse(raw);
  if (!result.success) {
    throw new PolicyFileError(file, result.error.issues.flatMap(describeIssue));
  }
  return result.data;
}

export function loadPolicyFile(file: string, knownControlIds: readonly string[]): Policy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new PolicyFileError(file, [`cannot read: ${(cause as Error).message}`], { cause });
  }
  return parsePolicy(text, file, knownControlIds);
}
