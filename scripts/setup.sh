#!/usr/bin/env bash
# Installs what packetwalk's lab, tests and e2e need on a fresh Debian machine (run as root), then the npm deps.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(iproute2 iptables nftables dnsmasq-base iputils-ping iputils-tracepath bind9-dnsutils netcat-openbsd
      conntrack ethtool tcpdump socat procps psmisc openssl chromium)
missing=()
for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then echo "setup: need root to apt-get install ${missing[*]}" >&2; exit 2; fi
  echo "setup: installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! command -v kubectl >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends kubectl >/dev/null 2>&1 || echo "setup: kubectl not found (kubectl tests will be skipped)" >&2
fi

# npm ci only when the lockfile changed since the last install (it takes a minute on 2 cores).
stamp=node_modules/.packetwalk-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  node scripts/fix-lock.mjs package-lock.json >/dev/null
  npm ci --no-audit --no-fund
  cp package-lock.json "$stamp"
fi

# The CLI bundle the bins load (dist/cli; ~2 s). The bins fall back to the TypeScript sources when it is stale.
node scripts/build-cli.mjs
