#!/usr/bin/env bash
# Package the stack offline (no AWS credentials needed) and lint the generated CloudFormation
# with AWS's cfn-lint (PyPI, pinned in requirements-test.txt, installed into .venv by
# scripts/setup-python.sh). Fails on any cfn-lint error; warnings and informational findings
# are printed but do not fail.
#
#   bash scripts/check-stack.sh [extra `serverless package` args, e.g. --policy policies/prod.yml]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup-python.sh

npx --no-install serverless package --stage ci "$@"

TEMPLATE=.serverless/cloudformation-template-update-stack.json
[ -f "$TEMPLATE" ] || { echo "check-stack: no template at $TEMPLATE" >&2; exit 1; }

# cfn-lint's exit code is a bit mask: 2 = errors, 4 = warnings, 8 = informational;
# anything else (1, 32, ...) means cfn-lint itself failed.
set +e
.venv/bin/cfn-lint -- "$TEMPLATE"
rc=$?
set -e
if (( rc & ~(4 | 8) )); then
  echo "check-stack: cfn-lint failed (exit $rc): errors in $TEMPLATE, or cfn-lint could not run" >&2
  exit 1
fi
if (( rc & 4 )); then
  echo "check-stack: cfn-lint printed warnings (not failing)" >&2
fi
echo "check-stack: OK - $TEMPLATE has no cfn-lint errors ($(.venv/bin/cfn-lint --version)); artifacts: $(du -h .serverless/*.zip | awk '{printf "%s %s; ", $2, $1}')"
