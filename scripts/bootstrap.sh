#!/usr/bin/env bash
# Create or refresh both Python environments. Idempotent: a stamp holding the hash of the
# requirement files skips work already done.
#   .venv       Python >= 3.11: gateway, search, feedback, custom actions, tests
#   .venv-rasa  Python 3.10:    the Rasa Open Source 3.6 server (supports nothing newer)
set -euo pipefail
cd "$(dirname "$0")/.."
STAMPS=.stamps
mkdir -p "$STAMPS"
say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

hash_of() { cat "$@" | sha256sum | cut -c1-16; }

find_python() {  # $1 = minor version wanted ("3.11+" or "3.10")
  local want=$1 candidates=() c
  if [[ $want == 3.10 ]]; then
    [[ -n "${GOVASSIST_PYTHON310:-}" ]] && candidates+=("$GOVASSIST_PYTHON310")
    if command -v pyenv >/dev/null 2>&1; then
      for c in "$(pyenv root)"/versions/3.10.*/bin/python; do candidates+=("$c"); done
    fi
    candidates+=(python3.10)
    if command -v uv >/dev/null 2>&1; then candidates+=("$(uv python find 3.10 2>/dev/null || true)"); fi
  else
    candidates+=("${GOVASSIST_PYTHON:-}" python3 python3.13 python3.12 python3.11)
  fi
  for c in "${candidates[@]}"; do
    [[ -z "$c" ]] && continue
    local v
    v=$("$c" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || continue
    if [[ $want == 3.10 && $v == 3.10 ]]; then echo "$c"; return 0; fi
    if [[ $want != 3.10 ]] && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$c"; return 0
    fi
  done
  return 1
}

main_env() {
  local h; h=$(hash_of pyproject.toml requirements.lock)
  if [[ -f $STAMPS/venv.$h && -x .venv/bin/govassist ]]; then say "main environment up to date (.venv)"; return; fi
  local py; py=$(find_python 3.11+) || {
    echo "error: Python >= 3.11 not found. Install it (e.g. 'pyenv install 3.11' or 'uv python install 3.11') or set GOVASSIST_PYTHON." >&2; exit 1; }
  [[ -x .venv/bin/python ]] || { say "creating .venv with $py"; "$py" -m venv .venv; }
  say "installing the main environment (CPU torch first, then the pinned lock file; several minutes the first time)"
  .venv/bin/python -m pip install --progress-bar off -q --upgrade pip
  .venv/bin/python -m pip install --progress-bar off ${GOVASSIST_TORCH_INDEX:+--extra-index-url "$GOVASSIST_TORCH_INDEX"} torch==2.13.0 | grep -E '^(Successfully|Requirement already)' | tail -1 || true
  .venv/bin/python -m pip install --progress-bar off -r requirements.lock 2> >(grep -v "^WARNING: Location" >&2) | grep -E "^Successfully" || true
  .venv/bin/python -m pip install --progress-bar off -q --no-deps --no-build-isolation -e .
  rm -f $STAMPS/venv.*; touch "$STAMPS/venv.$h"
}

rasa_env() {
  local h; h=$(hash_of bot/requirements.txt bot/requirements.lock)
  if [[ -f $STAMPS/venv-rasa.$h && -x .venv-rasa/bin/rasa ]]; then say "Rasa environment up to date (.venv-rasa)"; return; fi
  local py; py=$(find_python 3.10) || {
    cat >&2 <<MSG
error: Python 3.10 not found, and Rasa Open Source 3.6 runs on nothing newer.
Install one of:  pyenv install 3.10.13   |   uv python install 3.10   |   apt-get install python3.10
or point GOVASSIST_PYTHON310 at a Python 3.10 interpreter, then run this command again.
MSG
    exit 1; }
  [[ -x .venv-rasa/bin/python ]] || { say "creating .venv-rasa with $py"; "$py" -m venv .venv-rasa; }
  say "installing rasa==3.6.21 into .venv-rasa (about 2 minutes the first time)"
  .venv-rasa/bin/python -m pip install --progress-bar off -q --upgrade pip
  .venv-rasa/bin/python -m pip install --progress-bar off -r bot/requirements.txt -c bot/requirements.lock | grep -E '^Successfully' || true
  rm -f $STAMPS/venv-rasa.*; touch "$STAMPS/venv-rasa.$h"
}

main_env
rasa_env
