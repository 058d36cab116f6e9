#!/usr/bin/env bash
# The one command that runs every test: lint, types, unit, lab (real netns, needs root), e2e in Chromium.
# Ends with one line "N passed, M failed" summing the vitest and Playwright counts.
set -uo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1  # no phoning home from a test run (and no network here anyway)
bash scripts/setup.sh || exit 2

log=$(mktemp -d /tmp/packetwalk-test.XXXXXX)
fail=0
step() {
  local name=$1; shift
  echo; echo "== $name: $*"
  "$@" 2>&1 | tee "$log/$name.log"
  local rc=${PIPESTATUS[0]}
  if [ "$rc" != 0 ]; then echo "!! $name failed (exit $rc)"; fail=1; fi
}

step lint npx eslint .
step typecheck npx tsc --noEmit -p .
step unit npx vitest run --project unit
# The dashboard's production build before the lab tests: `packetwalk serve` (test/lab/serveSignal.test.ts) builds
# one when there is none, which would happen inside a test's time limit.
step build npx next build
step lab npx vitest run --project lab
step contract bash scripts/contract.sh
if [ -f playwright.config.ts ]; then
  step e2e npx playwright test
fi

# Sum the runners' own counts: vitest "Tests  3 failed | 40 passed (43)", playwright "  12 passed (1.2m)".
strip() { sed -e 's/\x1b\[[0-9;]*m//g' "$@" 2>/dev/null; }
passed=0; failed=0
for f in "$log"/unit.log "$log"/lab.log; do
  line=$(strip "$f" | grep -E '^ +Tests +' | tail -1)
  p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+' || true)
  x=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+' || true)
  passed=$((passed + ${p:-0})); failed=$((failed + ${x:-0}))
done
# The contract checker prints "scenario NAME: R/N cases right" per scenario.
while read -r r n; do passed=$((passed + r)); failed=$((failed + n - r)); done < <(
  strip "$log/contract.log" | sed -nE 's/^scenario [^:]+: ([0-9]+)\/([0-9]+) cases right$/\1 \2/p')
if [ -f "$log/e2e.log" ]; then
  p=$(strip "$log/e2e.log" | grep -oE '^ +[0-9]+ passed' | grep -oE '[0-9]+' | tail -1 || true)
  x=$(strip "$log/e2e.log" | grep -oE '^ +[0-9]+ failed' | grep -oE '[0-9]+' | tail -1 || true)
  passed=$((passed + ${p:-0})); failed=$((failed + ${x:-0}))
fi
# A step that failed without a failing test (lint, types, build, a crashed runner) still fails the run.
if [ $fail != 0 ] && [ $failed = 0 ]; then failed=1; fi
rm -rf "$log"
echo
echo "$passed passed, $failed failed"
exit $fail
