import path from 'node:path';

/** The policy's name in each function zip, at its root ($LAMBDA_TASK_ROOT). */
export const SHIPPED_POLICY = 'policy.json';

/**
 * Where a function finds its policy: policy.json at the root of its zip, written by the package
 * step from the validated YAML policy (serverless/drift-responder-plugin.cjs). DRIFT_POLICY_FILE
 * overrides it (tests, local runs) and names a JSON file too.
 */
export function shippedPolicyPath(env: NodeJS.ProcessEnv): string {
  return env.DRIFT_POLICY_FILE ?? path.join(env.LAMBDA_TASK_ROOT ?? process.cwd(), SHIPPED_POLICY);
}
