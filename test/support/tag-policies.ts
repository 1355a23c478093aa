/**
 * The tag-driven policy the tag tests share (YAML, as a policy file holds it): alert by default,
 * in dry-run; resources tagged Environment=Production are protected and remediated for real.
 * Its `tags:` list comes last, so a test can append rules of its own.
 */
export const PRODUCTION_TAG_POLICY = `defaults: { mode: alert, dryRun: true }
tags:
  - match: { Environment: Production }
    protect: true
    mode: remediate
    dryRun: false
`;
