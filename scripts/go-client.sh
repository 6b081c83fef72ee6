#!/usr/bin/env bash
# Builds (and vets) the Go client offline with Debian's Go packages only: GOPATH mode over
# /usr/share/gocode, where golang-google-grpc-dev, golang-google-protobuf-dev,
# golang-github-golang-protobuf-1-5-dev and golang-google-genproto-dev put their source.
# No module download is possible or attempted (GOPROXY=off, GOFLAGS=-mod=mod for module-aware
# subcommands). Usage: go-client.sh build OUT_BINARY | go-client.sh vet
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cmd="${1:?usage: go-client.sh build OUT | vet}"

command -v go >/dev/null 2>&1 || { echo "go-client: go not found; run scripts/install-client-tools.sh (as root)" >&2; exit 1; }
[ -d /usr/share/gocode/src/google.golang.org/grpc ] || { echo "go-client: Debian's Go packages are missing; run scripts/install-client-tools.sh (as root)" >&2; exit 1; }

# A private GOPATH entry that holds only a link to clients/go at its import path; Debian's tree
# comes second. The go.mod is for module-mode users with network access; here it is off.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/recflow.dev/clients"
ln -s "$ROOT/clients/go" "$work/src/recflow.dev/clients/go"
export GO111MODULE=off GOPATH="$work:/usr/share/gocode" GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local
export GOCACHE="${GOCACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/recflow-go-build}"
cd "$work/src/recflow.dev/clients/go"
case "$cmd" in
  build) go build -o "${2:?usage: go-client.sh build OUT}" ./cmd/recflow-example ;;
  vet) go vet ./... ;;
  *) echo "go-client: unknown command $cmd" >&2; exit 2 ;;
esac
