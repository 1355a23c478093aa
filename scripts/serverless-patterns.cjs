// Serverless variable resolver: the EventBridge patterns of the responder's rules,
// derived from the controls' trigger declarations (the one source of truth).
// Used in serverless.yml as ${file(./scripts/serverless-patterns.cjs):patterns}.
const { register } = require('tsx/cjs/api');

module.exports.patterns = () => {
  const unregister = register();
  try {
    const { controls } = require('../lib/controls/registry.ts');
    const { eventPatternsOf } = require('../lib/controls/patterns.ts');
    return eventPatternsOf(controls);
  } finally {
    unregister();
  }
};
