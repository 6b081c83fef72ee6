#!/usr/bin/env bash
# Generates what the Python client needs from proto/ into examples/python/recflow_stubs/ (gitignored).
#
# Debian's python3-grpc-tools (1.14, bundling protoc 3.5.1) cannot compile recflow's protos: it
# rejects proto3 `optional` fields ("Explicit 'optional' labels are disallowed in the Proto3
# syntax", tasks.proto and kinds.proto use them). So instead of *_pb2.py stubs this writes a
# FileDescriptorSet built by buf (node_modules/.bin/buf, from `npm ci`, or buf on PATH), which
# recflow_client.py loads at run time with google.protobuf's descriptor_pool/message_factory
# (python3-protobuf 3.12+ understands proto3 optional in descriptors).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="$ROOT/examples/python/recflow_stubs"
cd "$ROOT"

if [ -x node_modules/.bin/buf ]; then
  BUF=node_modules/.bin/buf
elif command -v buf >/dev/null 2>&1; then
  BUF=buf
else
  echo "gen.sh: buf not found; run 'npm ci' in $ROOT (buf is a dev dependency) or put buf on PATH" >&2
  exit 1
fi

mkdir -p "$OUT"
# Write beside the target and rename, so a concurrent reader never sees a half-written file.
TMP="$OUT/.recflow.binpb.$$"
trap 'rm -f "$TMP"' EXIT
"$BUF" build --as-file-descriptor-set --exclude-source-info -o "$TMP#format=binpb"
mv -f "$TMP" "$OUT/recflow.binpb"
echo "gen.sh: wrote ${OUT#"$ROOT"/}/recflow.binpb" >&2
