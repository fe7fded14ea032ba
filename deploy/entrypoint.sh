#!/usr/bin/env bash
# Container entry point: run one role of govassist.
set -euo pipefail
case "${GOVASSIST_ROLE:-gateway}" in
  gateway) .venv/bin/govassist db upgrade
           exec .venv/bin/python -m channels.serve --host 0.0.0.0 --port "${GOVASSIST_PORT:-8000}" ;;
  actions) exec .venv/bin/python -m rasa_sdk --actions bot.actions --port "${ACTIONS_PORT:-5055}" ;;
  rasa)    cd bot && exec ../.venv-rasa/bin/rasa run --enable-api --interface 0.0.0.0 --port "${RASA_PORT:-5005}" \
             --endpoints endpoints.yml --credentials credentials.yml --model models ;;
  worker)  exec .venv/bin/python -m feedback.worker ;;
  *) echo "unknown GOVASSIST_ROLE '${GOVASSIST_ROLE}'" >&2; exit 2 ;;
esac
