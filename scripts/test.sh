#!/usr/bin/env bash
# The one command that runs every test: lint, types, unit, lab (real netns, needs root), e2e in Chromium.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 2

fail=0
step() { echo; echo "== $1"; shift; "$@" || { echo "!! failed: $*"; fail=1; }; }

step lint npx eslint .
step typecheck npx tsc --noEmit -p .
step unit npx vitest run --project unit
step lab npx vitest run --project lab
if [ -f playwright.config.ts ]; then
  step build npx next build
  step e2e npx playwright test
fi
echo
[ $fail = 0 ] && echo "all test steps passed" || echo "some test steps failed"
exit $fail
