#!/usr/bin/env bash
# Create/refresh the project virtualenv (.venv in the repo root) with the Python test
# tools pinned in requirements-test.txt (moto server, cfn-lint).
#
# Idempotent: does nothing when .venv exists, its interpreter works, and the stored hash of
# requirements-test.txt (plus the Python version) matches. Otherwise the venv is rebuilt
# from scratch (python -m venv --clear) and the requirements are installed.
#
# Env:
#   PYTHON   interpreter used to create the venv (default: python3; needs >= 3.9)
#   VERBOSE  set to 1 to see pip's output
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
REQ="$ROOT/requirements-test.txt"
STAMP="$VENV/.requirements-test.sha256"
PYTHON="${PYTHON:-python3}"

die() {
  echo "setup-python: ERROR: $*" >&2
  exit 1
}

[ -f "$REQ" ] || die "missing $REQ"
command -v "$PYTHON" >/dev/null 2>&1 || die "'$PYTHON' not found; install Python >= 3.9 or set PYTHON=/path/to/python3"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' ||
  die "$("$PYTHON" -V 2>&1) is too old; Python >= 3.9 is required (set PYTHON=...)"

hash_file() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum | cut -d' ' -f1; else shasum -a 256 | cut -d' ' -f1; fi
}
# The wanted state: the requirements file and the interpreter's version.
WANT="$({ cat "$REQ"; "$PYTHON" -c 'import sys; print(sys.version)'; } | hash_file)"

up_to_date() {
  [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] &&
    "$VENV/bin/python" -c 'import moto.server' >/dev/null 2>&1
}

up_to_date && exit 0

# Serialise concurrent runs (e.g. two terminals running `npm test`).
if command -v flock >/dev/null 2>&1; then
  LOCK="${TMPDIR:-/tmp}/setup-python-$(printf '%s' "$ROOT" | hash_file | cut -c1-16).lock"
  exec 9>"$LOCK"
  flock 9
  up_to_date && exit 0 # another run finished the job while we waited
fi

start=$(date +%s)
echo "setup-python: installing $(basename "$REQ") into .venv (first run takes about a minute)..." >&2

rm -f "$STAMP"
"$PYTHON" -m venv --clear "$VENV" || die "could not create $VENV with $PYTHON (on Debian: apt-get install python3-venv)"

LOG="$(mktemp "${TMPDIR:-/tmp}/setup-python.XXXXXX.log")"
trap 'rm -f "$LOG"' EXIT
# --no-compile + a parallel compileall afterwards is ~15 s faster than pip's serial byte-compiling
# (and the .pyc files matter: with PYTHONDONTWRITEBYTECODE set, Python never writes them itself).
PIP=("$VENV/bin/python" -m pip install --disable-pip-version-check --no-input --no-compile --retries 2 --timeout 30 -r "$REQ")
if [ "${VERBOSE:-0}" = 1 ]; then
  "${PIP[@]}" 2>&1 | tee "$LOG" >&2 && ok=0 || ok=$? # pipefail: pip's status
else
  "${PIP[@]}" -q >"$LOG" 2>&1 && ok=0 || ok=$?
fi

if [ "$ok" != 0 ]; then
  echo "----- pip output (last 25 lines) -----" >&2
  tail -n 25 "$LOG" >&2
  echo "--------------------------------------" >&2
  if grep -qiE 'NewConnectionError|Max retries exceeded|Could not fetch URL|Temporary failure in name resolution|Name or service not known|Connection (refused|reset)|Network is unreachable|timed out|ProxyError|SSLError' "$LOG"; then
    die "pip could not reach PyPI to install requirements-test.txt (check network/proxy, PIP_INDEX_URL, pip.conf). The .venv is incomplete and will be rebuilt on the next run."
  fi
  if grep -qiE 'No matching distribution found|Could not find a version that satisfies' "$LOG"; then
    die "pip found no matching distribution for a pin in requirements-test.txt (wrong version, or the index is unreachable/misconfigured). The .venv will be rebuilt on the next run."
  fi
  die "pip install -r requirements-test.txt failed (see output above). The .venv will be rebuilt on the next run."
fi

"$VENV/bin/python" -m compileall -q -j 0 "$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" >/dev/null 2>&1 || true
"$VENV/bin/python" -c 'import moto.server' >/dev/null 2>&1 || die "moto.server is not importable in .venv after install"
printf '%s\n' "$WANT" >"$STAMP"
echo "setup-python: .venv ready ($(("$(date +%s)" - start)) s): $("$VENV/bin/python" -c 'import moto; print("moto", moto.__version__)'), $("$VENV/bin/cfn-lint" --version 2>/dev/null)" >&2
