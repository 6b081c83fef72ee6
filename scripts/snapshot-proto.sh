#!/usr/bin/env bash
# Records the released API contract that `npm run lint` checks with `buf breaking`. Run it at
# release time, once the release commit exists:
#   bash scripts/snapshot-proto.sh 0.2.0            # the proto of HEAD
#   bash scripts/snapshot-proto.sh 0.2.0 v0.2.0     # or of a tag or commit
# It builds a buf image (a FileDescriptorSet) of proto/ at that commit into
# proto-released/image.binpb and notes version and commit in proto-released/SOURCE; commit both.
# The image, not a git ref, is what CI compares against: a shallow checkout has no history.
set -euo pipefail
cd "$(dirname "$0")/.."

version="${1:?usage: scripts/snapshot-proto.sh VERSION [GIT_REF]}"
ref="${2:-HEAD}"
commit="$(git rev-parse --verify "${ref}^{commit}")"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# The committed proto/ and buf.yaml of that commit, never the working tree's edits.
git archive "$commit" proto buf.yaml | tar -x -C "$tmp"
mkdir -p proto-released
npx --no-install buf build "$tmp" --exclude-source-info -o proto-released/image.binpb
printf '%s %s\n' "$version" "$commit" > proto-released/SOURCE
echo "proto-released/image.binpb: recflow ${version} (${commit})"
