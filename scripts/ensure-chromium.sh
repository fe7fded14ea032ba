#!/usr/bin/env bash
# Browser tests drive Debian's chromium headless; install it from the distribution if missing.
set -euo pipefail
if [[ -x /usr/bin/chromium ]]; then exit 0; fi
echo "[setup] installing Debian's chromium for the browser tests"
SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "warning: apt-get not available; install Chromium at /usr/bin/chromium to run the browser tests" >&2
  exit 0
fi
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium fonts-noto-cjk >/dev/null
echo "[setup] chromium installed: $(/usr/bin/chromium --version 2>/dev/null || echo unknown)"
