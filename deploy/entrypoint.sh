#!/usr/bin/env bash
# Container entry point: run one role of govassist (`entrypoint.sh health` probes it).
# Rasa listens on the container network (never published; its HTTP API needs RASA_AUTH_TOKEN);
# the action server stays on 127.0.0.1 and shares the Rasa container's network (deploy/compose.yaml).
set -euo pipefail
role="${GOVASSIST_ROLE:-gateway}"
if [[ "${1:-}" == "health" ]]; then
  case "$role" in
    gateway) port="${GOVASSIST_PORT:-8000}" path=livez ;;
    rasa)    port="${RASA_PORT:-5005}" path=healthz ;;
    actions) port="${ACTIONS_PORT:-5055}" path=healthz ;;
    worker)  port="${WORKER_HEALTH_PORT:-5060}" path=healthz ;;
    *) exit 1 ;;
  esac
  exec curl -fsS "http://127.0.0.1:${port}/${path}"
fi
case "$role" in
  gateway) .venv/bin/govassist db upgrade
           exec .venv/bin/python -m channels.serve --host 0.0.0.0 --port "${GOVASSIST_PORT:-8000}" ;;
  actions) exec .venv/bin/govassist serve actions ;;
  rasa)    exec .venv/bin/govassist serve rasa --host 0.0.0.0 ;;
  worker)  exec .venv/bin/python -m feedback.worker ;;
  *) echo "unknown GOVASSIST_ROLE '${role}'" >&2; exit 2 ;;
esac
