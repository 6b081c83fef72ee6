#!/usr/bin/env bash
# Installs, from Debian's packages, what the Python and Go clients (clients/) need to generate
# their stubs, build and run their tests, when it is missing. Idempotent: does nothing when every
# tool and source tree is already there. PyPI and the Go module proxy are not used.
#
# The Go pin matters: apt resolves golang-google-grpc-dev's "golang-github-golang-protobuf-1-3-dev |
# golang-github-golang-protobuf-1-5-dev" to 1.3, and with it grpc-go 1.33 panics on the first call
# that encodes a oneof. Naming 1-5 here makes apt pick it (the two conflict, so 1.3 is replaced).
set -euo pipefail

PKGS=(
  protobuf-compiler protobuf-compiler-grpc                  # protoc, grpc_python_plugin
  golang-go protoc-gen-go protoc-gen-go-grpc
  golang-google-grpc-dev golang-google-protobuf-dev golang-google-genproto-dev
  golang-github-golang-protobuf-1-5-dev
  python3-grpcio python3-protobuf python3-venv python3-pytest
)

have_all() {
  local tool
  for tool in protoc grpc_python_plugin go protoc-gen-go protoc-gen-go-grpc; do
    command -v "$tool" >/dev/null 2>&1 || return 1
  done
  [ -d /usr/share/gocode/src/google.golang.org/grpc ] &&
    [ -d /usr/share/gocode/src/google.golang.org/genproto/googleapis/rpc/status ] &&
    dpkg-query -W -f='${Status}' golang-github-golang-protobuf-1-5-dev 2>/dev/null | grep -q "ok installed" &&
    /usr/bin/python3 -c "import grpc, google.protobuf, venv, pytest" >/dev/null 2>&1
}

if have_all; then exit 0; fi
echo "setup: installing the client toolchain from Debian: ${PKGS[*]}" >&2
bash "$(dirname "$0")/apt-install.sh" "${PKGS[@]}"
have_all || { echo "setup: installed ${PKGS[*]} but a client tool is still missing" >&2; exit 1; }
