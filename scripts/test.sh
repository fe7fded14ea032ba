#!/usr/bin/env bash
# `make test`: prepare what the suite needs (idempotently), then run it.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-chromium.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
.venv/bin/python -m pytest "$@"
rc=$?
if [[ $rc -eq 5 ]]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
exit $rc
