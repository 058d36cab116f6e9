#!/usr/bin/env bash
# Product-level contract check: the shared checker (../shared/contract/check.py: lab up → diagnose --json per
# case → verdict and cause) on the public scenario and on ours in test/contract/. Exit 0 only when all are right.
set -uo pipefail
cd "$(dirname "$0")/.."
# The checker and public scenarios are vendored in test/upstream/contract; a shared folder beside the checkout
# (or PACKETWALK_SHARED) wins when it has them, so a newer public checker is used as soon as it appears.
shared=${PACKETWALK_SHARED:-../shared}
[ -f "$shared/contract/check.py" ] || shared=test/upstream
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
