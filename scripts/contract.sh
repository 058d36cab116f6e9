#!/usr/bin/env bash
# Product-level contract check: the shared checker (../shared/contract/check.py: lab up → diagnose --json per
# case → verdict and cause) on the public scenario and on ours in test/contract/. Exit 0 only when all are right.
set -uo pipefail
cd "$(dirname "$0")/.."
shared=${PACKETWALK_SHARED:-../shared}
[ -f "$shared/contract/check.py" ] || { echo "contract: $shared/contract/check.py not found (clone beside shared/ or set PACKETWALK_SHARED)" >&2; exit 2; }
dir=$(mktemp -d /tmp/packetwalk-contract.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cp "$shared"/contract/* test/contract/*.yaml test/contract/*.cases "$dir"/
export PACKETWALK_LAB=ct$((RANDOM % 10000))
fail=0
for s in shop hostgw-nftables vxlan-ignore; do
  python3 "$dir/check.py" "$s" || fail=1
done
exit $fail
