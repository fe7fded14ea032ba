#!/usr/bin/env bash
# `make test`: prepare what the suite needs (idempotently), then run it.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-chromium.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
# Train the Rasa model up front (no-op when current): a cold training run takes minutes and must not
# count against the per-test timeout of whichever test first needs the model.
if ! .venv/bin/govassist train; then
  echo "make test: the Rasa model could not be trained (see above)" >&2
  exit 1
fi
.venv/bin/python -m pytest "$@"
rc=$?
if [[ $rc -eq 5 ]]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
exit $rc
