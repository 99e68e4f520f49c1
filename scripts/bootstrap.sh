#!/usr/bin/env bash
# Make .venv with rolegate and the given extras installed (editable). Idempotent and quick when up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-demo}"
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
stamp=".venv/.rolegate-installed-$extras"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[$extras]"
  touch "$stamp"
fi
# The differential test's independent evaluator (tests/differential): installed from the npm registry, pinned by
# its package-lock.json, only when node and npm are here; the test skips with the reason otherwise. Re-run only
# when the lockfile changes (its hash is the stamp), so a second bootstrap costs nothing.
differential="tests/differential"
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && [ -f "$differential/package-lock.json" ]; then
  lock_hash="$(sha256sum "$differential/package-lock.json" | cut -d' ' -f1)"
  npm_stamp="$differential/node_modules/.rolegate-installed"
  if [ ! -f "$npm_stamp" ] || [ "$(cat "$npm_stamp")" != "$lock_hash" ]; then
    # Not fatal: without the registry the rest of the setup still stands, and the test says why it skips.
    if (cd "$differential" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null); then
      echo "$lock_hash" >"$npm_stamp"
    else
      echo "bootstrap: npm ci in $differential failed; the differential test will skip" >&2
    fi
  fi
fi
