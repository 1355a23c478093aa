#!/usr/bin/env bash
# Create/refresh the project's Python virtualenvs with pinned tools:
#   test     .venv          requirements-test.txt     moto server (tests' AWS emulator), cfn-lint
#   checkov  .venv-checkov  requirements-checkov.txt  checkov (scripts/check-stack.sh); its own
#                                                     venv because its pins (boto3, networkx)
#                                                     conflict with moto's
#
#   bash scripts/setup-python.sh [test] [checkov]     (no argument: both)
#
# Idempotent: does nothing for a venv when it exists, its interpreter and tool work, and the
# stored hash of its requirements file (plus the Python version) matches. Otherwise that venv is
# rebuilt from scratch (python -m venv --clear) and its requirements are installed.
#
# Env:
#   PYTHON   interpreter used to create the venvs (default: python3; needs >= 3.9)
#   VERBOSE  set to 1 to see pip's output
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"

die() {
  echo "setup-python: ERROR: $*" >&2
  exit 1
}

command -v "$PYTHON" >/dev/null 2>&1 || die "'$PYTHON' not found; install Python >= 3.9 or set PYTHON=/path/to/python3"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' ||
  die "$("$PYTHON" -V 2>&1) is too old; Python >= 3.9 is required (set PYTHON=...)"

hash_file() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum | cut -d' ' -f1; else shasum -a 256 | cut -d' ' -f1; fi
}

# setup_venv VENV REQUIREMENTS PROBE SUMMARY
#   PROBE: a Python statement that must run in the venv when it is complete;
#   SUMMARY: a shell command printing the installed versions.
setup_venv() {
  local VENV="$1" REQ="$2" PROBE="$3" SUMMARY="$4"
  local NAME STAMP
  NAME="$(basename "$REQ")"
  STAMP="$VENV/.${NAME%.txt}.sha256" # .venv/.requirements-test.sha256, as before
  [ -f "$REQ" ] || die "missing $REQ"
  # The wanted state: the requirements file and the interpreter's version.
  local WANT
  WANT="$({ cat "$REQ"; "$PYTHON" -c 'import sys; print(sys.version)'; } | hash_file)"

  up_to_date() {
    [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] &&
      "$VENV/bin/python" -c "$PROBE" >/dev/null 2>&1
  }

  up_to_date && return 0

  # Serialise concurrent runs (e.g. two terminals running `npm test`), one lock per venv.
  if command -v flock >/dev/null 2>&1; then
    local LOCK
    LOCK="${TMPDIR:-/tmp}/setup-python-$(printf '%s' "$VENV" | hash_file | cut -c1-16).lock"
    exec 9>"$LOCK"
    flock 9
    if up_to_date; then
      exec 9>&-
      return 0 # another run finished the job while we waited
    fi
  fi

  local start
  start=$(date +%s)
  echo "setup-python: installing $NAME into $(basename "$VENV") (first run takes about a minute)..." >&2

  rm -f "$STAMP"
  "$PYTHON" -m venv --clear "$VENV" || die "could not create $VENV with $PYTHON (on Debian: apt-get install python3-venv)"

  local LOG ok
  LOG="$(mktemp "${TMPDIR:-/tmp}/setup-python.XXXXXX.log")"
  # --no-compile + a parallel compileall afterwards is ~15 s faster than pip's serial byte-compiling
  # (and the .pyc files matter: with PYTHONDONTWRITEBYTECODE set, Python never writes them itself).
  local PIP=("$VENV/bin/python" -m pip install --disable-pip-version-check --no-input --no-compile --retries 2 --timeout 30 -r "$REQ")
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
      rm -f "$LOG"
      die "pip could not reach PyPI to install $NAME (check network/proxy, PIP_INDEX_URL, pip.conf). $(basename "$VENV") is incomplete and will be rebuilt on the next run."
    fi
    if grep -qiE 'No matching distribution found|Could not find a version that satisfies' "$LOG"; then
      rm -f "$LOG"
      die "pip found no matching distribution for a pin in $NAME (wrong version, or the index is unreachable/misconfigured). $(basename "$VENV") will be rebuilt on the next run."
    fi
    rm -f "$LOG"
    die "pip install -r $NAME failed (see output above). $(basename "$VENV") will be rebuilt on the next run."
  fi
  rm -f "$LOG"

  "$VENV/bin/python" -m compileall -q -j 0 "$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" >/dev/null 2>&1 || true
  "$VENV/bin/python" -c "$PROBE" >/dev/null 2>&1 || die "$(basename "$VENV") is incomplete after installing $NAME (probe failed: $PROBE)"
  printf '%s\n' "$WANT" >"$STAMP"
  echo "setup-python: $(basename "$VENV") ready ($(("$(date +%s)" - start)) s): $(eval "$SUMMARY")" >&2
  if command -v flock >/dev/null 2>&1; then exec 9>&-; fi
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(test checkov)
for target in "${targets[@]}"; do
  case "$target" in
    test)
      setup_venv "$ROOT/.venv" "$ROOT/requirements-test.txt" 'import moto.server' \
        '"$VENV/bin/python" -c "import moto; print(\"moto\", moto.__version__)"; "$VENV/bin/cfn-lint" --version 2>/dev/null' ;;
    checkov)
      setup_venv "$ROOT/.venv-checkov" "$ROOT/requirements-checkov.txt" 'import checkov.version' \
        'echo "checkov $("$VENV/bin/python" -c "import checkov.version as v; print(v.version)")"' ;;
    *) die "unknown target '$target' (expected: test, checkov)" ;;
  esac
done
