#!/usr/bin/env bash
# kubectl for the manifest test (test/unit/deploy.test.ts renders deploy/k8s with `kubectl
# kustomize`, offline). Uses an installed kubectl when there is one, otherwise Debian's
# kubernetes-client package. Idempotent.
set -euo pipefail
if command -v kubectl >/dev/null 2>&1; then exit 0; fi
echo "setup: kubectl not found; installing Debian's kubernetes-client" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "setup: need root (or sudo) to apt-get install kubernetes-client" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -qq --no-install-recommends kubernetes-client >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends kubernetes-client >/dev/null
fi
command -v kubectl >/dev/null 2>&1 || { echo "setup: installed kubernetes-client but kubectl is still not on PATH" >&2; exit 1; }
