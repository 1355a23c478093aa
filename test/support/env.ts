// The SDK warns on every client that Node 20 support ends in 2027; the deployed bundle runs
// on nodejs22.x, so the warning says nothing about the product. Keep test output readable.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
