#!/usr/bin/env bash
# Package the stack offline (no AWS credentials needed) and check the generated CloudFormation
# with AWS's cfn-lint (PyPI, pinned in requirements-test.txt, installed into .venv) and with
# checkov (PyPI, pinned in requirements-checkov.txt, installed into .venv-checkov), both by
# scripts/setup-python.sh. Fails on any cfn-lint error (warnings and informational findings are
# printed but do not fail) and on any failed checkov check. checkov suppressions live on the
# resources themselves (Metadata: checkov: skip: id + comment; the framework-generated ones in
# serverless/resources/checkov.yml), never as a --skip-check list here.
#
#   bash scripts/check-stack.sh [extra `serverless package` args, e.g. --policy policies/prod.yml]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup-python.sh test checkov

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
# checkov: every check that applies to CloudFormation, offline (no Prisma Cloud download or
# upload). Exit code 1 = at least one failed check. The summary line is printed either way.
CHECKOV_OUT="$(mktemp "${TMPDIR:-/tmp}/check-stack-checkov.XXXXXX")"
trap 'rm -f "$CHECKOV_OUT"' EXIT
set +e
.venv-checkov/bin/checkov \
  --file "$TEMPLATE" --framework cloudformation --skip-download --compact --quiet \
  >"$CHECKOV_OUT" 2>&1
ck=$?
set -e
summary="$(grep -E 'Passed checks: [0-9]+, Failed checks: [0-9]+, Skipped checks: [0-9]+' "$CHECKOV_OUT" | head -n 1)"
if [ "$ck" != 0 ] || [ -z "$summary" ]; then
  cat "$CHECKOV_OUT" >&2
  echo "check-stack: checkov failed (exit $ck): ${summary:-no summary line - checkov could not run}" >&2
  exit 1
fi
echo "check-stack: checkov $(.venv-checkov/bin/checkov --version): $summary"

echo "check-stack: OK - $TEMPLATE has no cfn-lint errors ($(.venv/bin/cfn-lint --version)); artifacts: $(du -h .serverless/*.zip | awk '{printf "%s %s; ", $2, $1}')"
