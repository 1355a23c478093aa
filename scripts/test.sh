#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs (npm packages from the
# lock file, the Python virtualenv with the moto emulator and cfn-lint), type-checks, runs
# unit and integration tests (the harness starts and stops moto on a free loopback port),
# then packages the stack offline and lints the CloudFormation.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n== %s\n' "$*" >&2; }

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci"
  npm ci --no-audit --no-fund
fi

step "python virtualenv for the tests (moto server, cfn-lint)"
bash scripts/setup-python.sh test
# checkov's own virtualenv is needed only by the last step: it is built meanwhile (about 90 s
# from scratch, mostly download and unpacking), and waited for before that step.
checkov_log="$(mktemp -t checkov-setup.XXXXXX.log)"
bash scripts/setup-python.sh checkov >"$checkov_log" 2>&1 &
checkov_setup=$!

step "type-check"
npx tsc --noEmit -p .

step "jest: unit and integration"
results="$(mktemp -t jest-results.XXXXXX.json)"
trap 'rm -f "$results" "$checkov_log"' EXIT
status=0
npx jest --ci --json --outputFile="$results" "$@" || status=$?

step "serverless package + cfn-lint + checkov"
if wait "$checkov_setup"; then
  bash scripts/check-stack.sh || status=$?
else
  echo "test: building the checkov virtualenv failed:" >&2
  cat "$checkov_log" >&2
  status=1
fi

# One plain closing line that any CI reader understands.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
' "$results" || true
exit "$status"
