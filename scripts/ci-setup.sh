#!/usr/bin/env bash
# Installs the system packages the test suite needs when they are missing. Idempotent; only
# acts as root (CI machines), otherwise it says what to install.
set -euo pipefail

need=()
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then
  need+=(postgresql)
fi

# The registry tests run Debian's docker-registry (CNCF Distribution) with TLS and htpasswd.
if [ ! -x /usr/bin/docker-registry ]; then
  need+=(docker-registry)
fi

# The browser tests drive Debian's Chromium (browsers cannot be downloaded here).
if [ ! -x /usr/bin/chromium ]; then
  need+=(chromium)
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  need+=(nodejs npm)
fi

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "ci-setup: please install: ${need[*]}" >&2
  exit 2
fi
echo "==> apt-get install ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
