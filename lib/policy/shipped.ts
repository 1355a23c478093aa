// How a deployed function gets its policy at cold start. The package step validates the policy
// file with this same code, writes the validated policy as policy.json into the function's zip and
// records its SHA-256 in the function's environment (DRIFT_POLICY_SHA256,
// serverless/drift-responder-plugin.cjs). A policy.json with that digest is the policy exactly as
// validated, and is taken as it is: validating it again would cost every cold start 15-20 ms
// (zod's first use; README, Benchmarks). Anything else is validated in full: no digest, a
// different one (policy.json edited after packaging, or `deploy function` with a changed policy and
// the previous environment), DRIFT_POLICY_FILE (tests, local runs), or a file that cannot be read.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Policy } from './schema';
import { shippedPolicyPath } from './shipped-path';

/** The digest the package step records: SHA-256 of policy.json's bytes, hex. */
export function policyDigest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The policy of a deployed function (or of DRIFT_POLICY_FILE), validated unless it is the one the package step validated. */
export function loadShippedPolicy(env: NodeJS.ProcessEnv, knownControlIds: readonly string[]): Policy {
  const file = shippedPolicyPath(env);
  const recorded = env.DRIFT_POLICY_SHA256;
  if (recorded && env.DRIFT_POLICY_FILE === undefined) {
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      text = undefined; // the full loader below names the problem
    }
    if (text !== undefined && policyDigest(text) === recorded.trim().toLowerCase()) return JSON.parse(text) as Policy;
  }
  // Loaded on this path only, so a function taking its shipped policy never builds the zod schemas.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadJsonPolicyFile } = require('./validate') as typeof import('./validate');
  return loadJsonPolicyFile(file, knownControlIds);
}
