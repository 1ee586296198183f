#!/usr/bin/env bash
# Installs the npm workspaces (the bundled identity provider, the UI, the browser tests) from
# package-lock.json when node_modules is missing or older than the lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "node-deps: Node.js 20+ and npm are needed (apt-get install nodejs npm)" >&2
  exit 2
fi
stamp=node_modules/.palisade-installed
if [ -f "$stamp" ] && [ "$stamp" -nt package-lock.json ]; then
  exit 0
fi
echo "==> npm ci (workspaces: $(node -p 'require("./package.json").workspaces.join(", ")'))" >&2
npm ci --no-audit --no-fund --loglevel=error >&2
touch "$stamp"
