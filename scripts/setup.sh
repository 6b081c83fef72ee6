#!/usr/bin/env bash
# Prepares a fresh machine for `npm run demo` and `npm test`: nats-server 2.10 (a Debian package)
# when missing or older, npm dependencies when missing or out of date, and a build of dist/.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-nats.sh
# The Python example client and its test (examples/python) use Debian's python3-grpcio.
bash scripts/install-python-grpc.sh
# The Python and Go clients (clients/) and their tests: protoc, the generators, Go and Debian's
# grpc-go / protobuf sources, pinned to golang-github-golang-protobuf-1-5-dev.
bash scripts/install-client-tools.sh
# The manifest test renders deploy/k8s with kubectl kustomize.
bash scripts/install-kubectl.sh
# The image-tree test runs the image's ENTRYPOINT, /usr/bin/tini, on this host.
[ -x /usr/bin/tini ] || bash scripts/apt-install.sh tini
# The network tests (test/network) build hosts from network namespaces with iproute2's `ip`, and
# the harness test pings across them. They need root; without it they skip, so only root installs.
if [ "$(id -u)" -eq 0 ]; then
  command -v ip >/dev/null 2>&1 || bash scripts/apt-install.sh iproute2
  command -v ping >/dev/null 2>&1 || bash scripts/apt-install.sh iputils-ping
  # test/network/clock-offset.test.ts runs worker hosts with their clocks moved by libfaketime.
  [ -f /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 ] || bash scripts/apt-install.sh faketime
fi
# promtool checks deploy/observability's alert rules (test/unit/observability-rules.test.ts); Debian's
# prometheus package installs in about a minute.
command -v promtool >/dev/null 2>&1 || bash scripts/apt-install.sh prometheus
# The bench's same-run peer (W1, W2) is BullMQ on a redis-server the bench starts on a free port.
[ -x /usr/bin/redis-server ] || bash scripts/apt-install.sh redis-server
# The dashboard's browser tests (test/browser) drive Debian's chromium with playwright-core; about
# a minute to install here.
[ -x /usr/bin/chromium ] || bash scripts/apt-install.sh chromium

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

npm run --silent build
