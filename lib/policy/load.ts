import { isDeepStrictEqual } from 'node:util';
import { parseDocument, type YAMLError } from 'yaml';
import type { Policy } from './schema';
import { PolicyFileError, readPolicyText, validatePolicy } from './validate';

export { PolicyFileError } from './validate';

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

/** The YAML document of policy text as plain values; a YAML error is a PolicyFileError naming its line. */
function documentOf(text: string, file: string): unknown {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new PolicyFileError(file, document.errors.map((e) => describeYamlError(e, text)));
  }
  return document.toJS();
}

/** Parses and validates policy text. Every problem is reported, each naming the file and key path. */
export function parsePolicy(text: string, file: string, knownControlIds: readonly string[]): Policy {
  return validatePolicy(documentOf(text, file), file, knownControlIds);
}

/**
 * A valid YAML policy as the function bundles read it (policy.json): the validated policy itself,
 * defaults filled in, as JSON. The package step records its SHA-256 (DRIFT_POLICY_SHA256) so a
 * function can take it as it is (lib/policy/shipped.ts): the JSON must therefore be exactly the
 * validated policy, and validate to itself.
 */
export function policyAsJson(text: string, file: string, knownControlIds: readonly string[]): string {
  const policy = validatePolicy(documentOf(text, file), file, knownControlIds);
  const json = `${JSON.stringify(policy, null, 2)}\n`;
  const shipped: unknown = JSON.parse(json);
  // A value JSON cannot carry (.inf, .nan) would turn into another policy: refuse rather than ship it.
  if (!isDeepStrictEqual(shipped, policy) || !isDeepStrictEqual(validatePolicy(shipped, file, knownControlIds), policy)) {
    throw new PolicyFileError(file, ['the policy changes when written as JSON (a value JSON cannot represent, such as .inf or .nan)']);
  }
  return json;
}

export function loadPolicyFile(file: string, knownControlIds: readonly string[]): Policy {
  return parsePolicy(readPolicyText(file), file, knownControlIds);
}
