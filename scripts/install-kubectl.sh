#!/usr/bin/env bash
# kubectl for the manifest test (test/unit/deploy.test.ts renders deploy/k8s with `kubectl
# kustomize`, offline). Uses an installed kubectl when there is one, otherwise Debian's
# kubernetes-client package. Idempotent.
set -euo pipefail
cd "$(dirname "$0")"
if command -v kubectl >/dev/null 2>&1; then exit 0; fi
echo "setup: kubectl not found; installing Debian's kubernetes-client" >&2
bash apt-install.sh kubernetes-client
command -v kubectl >/dev/null 2>&1 || { echo "setup: installed kubernetes-client but kubectl is still not on PATH" >&2; exit 1; }
