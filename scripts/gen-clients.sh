#!/usr/bin/env bash
# Generates the Python and Go client stubs from proto/recflow/v1 with Debian's protoc,
# grpc_python_plugin, protoc-gen-go and protoc-gen-go-grpc (scripts/install-client-tools.sh installs
# them). `npm run gen` runs it and CI fails when the committed stubs differ from its output.
#
# Only recflow's public files are compiled: internal.proto never leaves the cluster, and the
# google/rpc copies under proto/google are never generated. Their upstream go_package /
# python module (google.rpc.status_pb2) make the stubs import googleapis' own packages
# (Go genproto, Python googleapis-common-protos); a second generated copy collides with those at
# start ("proto: file "google/rpc/status.proto" is already registered").
#
# No M… mappings or package flags: every proto carries its language options. The flags below only
# choose where files are written (--go_opt=module strips the import path prefix) and name the
# gRPC Python plugin, which protoc does not find on PATH by that name.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PROTO="${RECFLOW_PROTO_DIR:-$ROOT/proto}"
cd "$ROOT"

missing=()
for tool in protoc grpc_python_plugin protoc-gen-go protoc-gen-go-grpc; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "gen-clients: ${missing[*]} not found; run scripts/install-client-tools.sh (as root)" >&2
  exit 1
fi

FILES=(recflow/v1/datasets.proto recflow/v1/kinds.proto recflow/v1/models.proto recflow/v1/tasks.proto)
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/py" "$tmp/go"

protoc -I "$PROTO" --python_out="$tmp/py" --grpc_python_out="$tmp/py" \
  --plugin=protoc-gen-grpc_python="$(command -v grpc_python_plugin)" "${FILES[@]}"
protoc -I "$PROTO" --go_out="$tmp/go" --go_opt=module=recflow.dev/clients/go \
  --go-grpc_out="$tmp/go" --go-grpc_opt=module=recflow.dev/clients/go "${FILES[@]}"

# Replace the generated files only (recflow/v1/__init__.py and hand-written Go stay).
py_out=clients/python/src/recflow/v1
rm -f "$py_out"/*_pb2.py "$py_out"/*_pb2_grpc.py
cp "$tmp"/py/recflow/v1/*.py "$py_out"/
go_out=clients/go/recflowv1
mkdir -p "$go_out"
rm -f "$go_out"/*.pb.go
cp "$tmp"/go/recflowv1/*.go "$go_out"/
