#!/usr/bin/env bash
# Regenerates the README's dashboard pictures (docs/images/*.png) from the browser tests, so the
# pictures are the pages as the tests last saw them.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
RECFLOW_UI_SCREENSHOT_DIR=docs/images npx vitest run test/browser/dashboard.test.ts
