import { readFileSync } from 'node:fs';
import { parseDocument, type YAMLError } from 'yaml';
import type * as z from 'zod/mini';
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

function describeYamlError(error: YAMLError, text: string): string {
  const pos = error.linePos?.[0];
  const where = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
  if (error.code === 'DUPLICATE_KEY') {
    const key = text.slice(error.pos[0]).split(/[:\n]/)[0]?.trim() ?? '';
    return `YAML: duplicate key "${key}"${where} (keys must be unique)`;
  }
  const first = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? error.message;
  return `YAML: ${first}${where}`;
}

/** Parses and validates policy text. Every problem is reported, each naming the file and key path. */
export function parsePolicy(text: string, file: string, knownControlIds: readonly string[]): Policy {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new PolicyFileError(file, document.errors.map((e) => describeYamlError(e, text)));
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
