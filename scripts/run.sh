#!/usr/bin/env bash
# make run: the embedded default on a fresh machine. Installs the identity provider's npm
# packages, creates a sealing key on first start, starts the bundled identity provider
# (deploy/idp) beside Palisade, migrates and serves. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
config=${RUN_CONFIG:-e2e/demo/palisade.yaml}
bin=${BIN:-bin/palisade}

(umask 077 && mkdir -p data) # the database, its key and its WAL: Palisade's user only
if [ ! -s data/palisade.key ]; then
  (umask 077 && "$bin" keys generate >data/palisade.key)
  echo "==> created the sealing key data/palisade.key (keep it: it opens stored credentials)" >&2
fi

scripts/node-deps.sh
idp_pid=""
stop() { [ -n "$idp_pid" ] && kill "$idp_pid" 2>/dev/null || true; }
trap stop EXIT INT TERM
fifo=$(mktemp -u "${TMPDIR:-/tmp}/palisade-idp.XXXXXX")
mkfifo "$fifo"
node deploy/idp/server.mjs --quiet >"$fifo" &
idp_pid=$!
if ! read -r -t 60 line <"$fifo" || [[ "$line" != "idp ready "* ]]; then
  echo "the identity provider did not start (node deploy/idp/server.mjs)" >&2
  exit 1
fi
rm -f "$fifo"
echo "==> identity provider: ${line#idp ready } (demo users: see deploy/idp/README.md, password palisade-demo)" >&2

"$bin" --config "$config" migrate up
echo "==> open http://127.0.0.1:8080/auth/login and sign in as acme-admin / palisade-demo" >&2
"$bin" --config "$config" serve
