#!/usr/bin/env bash
# Installs gRPC for Debian's Python (/usr/bin/python3) from Debian's packages when it is missing:
# python3-grpcio, python3-grpc-tools and python3-protobuf. The Python example client
# (examples/python) and its test (test/integration/python-client.test.ts) use them. Idempotent:
# does nothing when `import grpc, grpc_tools` already works. PyPI is not used.
set -euo pipefail

PY=/usr/bin/python3
PKGS=(python3-grpcio python3-grpc-tools python3-protobuf)

have_grpc() {
  [ -x "$PY" ] && "$PY" -c "import grpc, grpc_tools, google.protobuf" >/dev/null 2>&1
}

if have_grpc; then exit 0; fi

echo "setup: gRPC for $PY not found; installing the Debian packages ${PKGS[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup: need root (or sudo) to run apt-get install ${PKGS[*]}" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: no apt-get here; install gRPC for Python (grpcio, grpcio-tools, protobuf) for $PY by other means" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# The package lists may be stale or absent: try as they are, then once more after an update.
if ! $SUDO apt-get install -y -qq --no-install-recommends python3 "${PKGS[@]}" >/dev/null 2>&1; then
  $SUDO apt-get update -qq || { echo "setup: apt-get update failed; cannot install ${PKGS[*]}" >&2; exit 1; }
  $SUDO apt-get install -y -qq --no-install-recommends python3 "${PKGS[@]}" >/dev/null \
    || { echo "setup: apt-get install ${PKGS[*]} failed" >&2; exit 1; }
fi
if ! have_grpc; then
  echo "setup: installed ${PKGS[*]} but '$PY -c \"import grpc, grpc_tools\"' still fails" >&2
  exit 1
fi
echo "setup: installed grpcio $("$PY" -c 'import grpc; print(grpc.__version__)') for $PY" >&2
