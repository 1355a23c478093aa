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
 * The document of a valid YAML policy as JSON, for the function bundles (loadJsonPolicyFile):
 * the same values the validator saw, so both forms mean the same policy.
 */
export function policyAsJson(text: string, file: string, knownControlIds: readonly string[]): string {
  const document = documentOf(text, file);
  const policy = validatePolicy(document, file, knownControlIds);
  const json = `${JSON.stringify(document ?? {}, null, 2)}\n`;
  // A value JSON cannot carry (.inf, .nan) would turn into another policy: refuse rather than ship it.
  if (!isDeepStrictEqual(validatePolicy(JSON.parse(json), file, knownControlIds), policy)) {
    throw new PolicyFileError(file, ['the policy changes when written as JSON (a value JSON cannot represent, such as .inf or .nan)']);
  }
  return json;
}

export function loadPolicyFile(file: string, knownControlIds: readonly string[]): Policy {
  return parsePolicy(readPolicyText(file), file, knownControlIds);
}
