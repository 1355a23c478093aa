// Policy validation without a YAML parser: the deployed functions read the policy as JSON
// (policy.json, which `serverless package` writes from the YAML file after validating it), so
// their bundles carry no YAML parser. lib/policy/load.ts reads YAML (CLI, packaging, tests).
import { readFileSync } from 'node:fs';
import type * as z from 'zod/mini';
import { policySchema, type Policy } from './schema';

export { SHIPPED_POLICY, shippedPolicyPath } from './shipped-path';

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

/** Validates a parsed policy document. Every problem is reported, each naming the file and key path. */
export function validatePolicy(raw: unknown, file: string, knownControlIds: readonly string[]): Policy {
  const result = policySchema(knownControlIds).safeParse(raw ?? {});
  if (!result.success) {
    throw new PolicyFileError(file, result.error.issues.flatMap(describeIssue));
  }
  return result.data;
}

export function readPolicyText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    throw new PolicyFileError(file, [`cannot read: ${(cause as Error).message}`], { cause });
  }
}

/**
 * The policy a deployed function enforces: the JSON document the package step shipped
 * (serverless/drift-responder-plugin.cjs). A YAML file here is a wiring mistake, named as such.
 */
export function loadJsonPolicyFile(file: string, knownControlIds: readonly string[]): Policy {
  const text = readPolicyText(file);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new PolicyFileError(
      file,
      [`not JSON (${(cause as Error).message.replace(/\s+/g, ' ')}): the functions read policy.json, which \`serverless package\` writes from the YAML policy file after validating it`],
      { cause },
    );
  }
  return validatePolicy(raw, file, knownControlIds);
}
