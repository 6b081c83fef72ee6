#!/usr/bin/env bash
# Installs Debian packages for the setup scripts: as root or through sudo, trying the package
# lists as they are first and once more after `apt-get update`. Usage: apt-install.sh PKG...
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "setup: need root (or sudo) to apt-get install $*" >&2; exit 1; }
  SUDO="sudo"
fi
command -v apt-get >/dev/null 2>&1 || { echo "setup: no apt-get here; install $* by other means" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1; then
  $SUDO apt-get update -qq || { echo "setup: apt-get update failed; cannot install $*" >&2; exit 1; }
  $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null || { echo "setup: apt-get install $* failed" >&2; exit 1; }
fi
