#!/usr/bin/env bash
# Makes sure a nats-server of at least 2.10.23 is available (NATS_SERVER_BIN, PATH or /usr/sbin):
# tests and the dev stack start their own server with it, and production runs 2.10
# (deploy/nats/values.yaml). Older servers get replicated streams wrong in ways our tests see:
# 2.9.10, Debian 12's package, checks an append's expected last sequence on the leader only
# (nats-server issue 4320, fixed in 2.9.21) and, after a partition, served reads from a replica
# whose sequence numbers had drifted (docs/testing.md, the nemesis run). When only an older one
# is here, Debian 13's package (2.10.27, a static Go binary; the checksum is the one in Debian's
# signed package index) is unpacked into /usr/local/bin, ahead of /usr/sbin on PATH.
set -euo pipefail
cd "$(dirname "$0")"

MIN_VERSION="2.10.23"
DEB_URL="http://deb.debian.org/debian/pool/main/n/nats-server/nats-server_2.10.27-1+b2_amd64.deb"
DEB_SHA256="6d913ac987b78734c08537c2adeb1526cf735f216173a9170d94b185fcfe6f8a"

found() {
  if [ -n "${NATS_SERVER_BIN:-}" ] && [ -x "${NATS_SERVER_BIN}" ]; then echo "${NATS_SERVER_BIN}"; return; fi
  if command -v nats-server >/dev/null 2>&1; then command -v nats-server; return; fi
  if [ -x /usr/sbin/nats-server ]; then echo /usr/sbin/nats-server; return; fi
}

# "nats-server: v2.10.27" → 2.10.27
version_of() { "$1" --version 2>/dev/null | sed -n 's/.*v\([0-9][0-9.]*\).*/\1/p' | head -1; }

recent_enough() { [ "$(printf '%s\n%s\n' "$MIN_VERSION" "$1" | sort -V | head -1)" = "$MIN_VERSION" ]; }

bin="$(found || true)"
if [ -n "$bin" ] && recent_enough "$(version_of "$bin")"; then exit 0; fi
if [ -n "${NATS_SERVER_BIN:-}" ]; then
  echo "setup: NATS_SERVER_BIN=${NATS_SERVER_BIN} is $(version_of "${NATS_SERVER_BIN}"); recflow needs ${MIN_VERSION} or newer" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "setup: need root (or sudo) to install nats-server ${MIN_VERSION}+ into /usr/local/bin" >&2; exit 1; }
  SUDO="sudo"
fi
if [ "$(dpkg --print-architecture 2>/dev/null || echo unknown)" != "amd64" ]; then
  echo "setup: install nats-server ${MIN_VERSION}+ by hand for this architecture (or set NATS_SERVER_BIN)" >&2
  exit 1
fi
if [ -n "$bin" ]; then have="$bin is $(version_of "$bin"), older than ${MIN_VERSION}"; else have="nats-server not found"; fi
echo "setup: ${have}; installing Debian 13's nats-server 2.10.27 into /usr/local/bin" >&2
command -v curl >/dev/null 2>&1 || bash apt-install.sh curl ca-certificates
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
curl -fsS --retry 3 -o "$tmp/nats-server.deb" "$DEB_URL"
echo "${DEB_SHA256}  $tmp/nats-server.deb" | sha256sum -c --quiet -
dpkg-deb -x "$tmp/nats-server.deb" "$tmp/root"
$SUDO install -m 0755 "$tmp/root/usr/sbin/nats-server" /usr/local/bin/nats-server
echo "setup: installed $(/usr/local/bin/nats-server --version)" >&2
