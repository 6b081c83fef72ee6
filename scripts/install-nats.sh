#!/usr/bin/env bash
# Installs nats-server from Debian's packages when it is not already available (PATH,
# /usr/sbin, or NATS_SERVER_BIN). Tests and the dev stack start their own server with it.
set -euo pipefail
cd "$(dirname "$0")"

if [ -n "${NATS_SERVER_BIN:-}" ] && [ -x "${NATS_SERVER_BIN}" ]; then exit 0; fi
if command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ]; then exit 0; fi

echo "setup: nats-server not found; installing the Debian package (or set NATS_SERVER_BIN)" >&2
bash apt-install.sh nats-server
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ]
echo "setup: installed $(/usr/sbin/nats-server --version 2>/dev/null || nats-server --version)" >&2
