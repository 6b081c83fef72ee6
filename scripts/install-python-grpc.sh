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
bash "$(dirname "$0")/apt-install.sh" python3 "${PKGS[@]}"
if ! have_grpc; then
  echo "setup: installed ${PKGS[*]} but '$PY -c \"import grpc, grpc_tools\"' still fails" >&2
  exit 1
fi
echo "setup: installed grpcio $("$PY" -c 'import grpc; print(grpc.__version__)') for $PY" >&2
