#!/usr/bin/env bash
# Installs nats-server from Debian's packages when it is not already available (PATH,
# /usr/sbin, or NATS_SERVER_BIN). Tests and the dev stack start their own server with it.
set -euo pipefail

if [ -n "${NATS_SERVER_BIN:-}" ] && [ -x "${NATS_SERVER_BIN}" ]; then exit 0; fi
if command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ]; then exit 0; fi

echo "setup: nats-server not found; installing the Debian package" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup: need root (or sudo) to run apt-get install nats-server; or set NATS_SERVER_BIN" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: no apt-get here; install nats-server (https://github.com/nats-io/nats-server/releases) and put it on PATH or in NATS_SERVER_BIN" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq nats-server >/dev/null
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ]
echo "setup: installed $(/usr/sbin/nats-server --version 2>/dev/null || nats-server --version)" >&2
