#!/usr/bin/env bash
# Product-level contract check: the public contract checker (vendored in test/upstream/contract/check.py: lab up
# → diagnose --json per case → verdict and cause) on the public scenarios and on ours in test/contract/. Exit 0
# only when all are right.
set -uo pipefail
cd "$(dirname "$0")/.."
# The checker and public scenarios are vendored (provenance: test/upstream/README.md), so a clone checks itself
# the same way wherever it is. PACKETWALK_SHARED=DIR runs a newer checker from DIR/contract instead, on request.
shared=${PACKETWALK_SHARED:-test/upstream}
[ -f "$shared/contract/check.py" ] || { echo "contract: no checker at $shared/contract/check.py (PACKETWALK_SHARED)" >&2; exit 2; }
dir=$(mktemp -d /tmp/packetwalk-contract.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cp "$shared"/contract/* test/contract/*.yaml test/contract/*.cases "$dir"/
export PACKETWALK_LAB=ct$((RANDOM % 10000))
fail=0
# The public scenarios, then every scenario of ours (test/contract/NAME.cases). One at a time: the checker
# compares `ip netns list` before and after each lab, so two labs at once would read as leftovers.
ours=$(ls test/contract/*.cases | xargs -n1 basename | sed 's/\.cases$//')
for s in shop routed edge $ours; do
  python3 "$dir/check.py" "$s" || fail=1
done
exit $fail
