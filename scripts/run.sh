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
registry_pid=""
stop() {
  [ -n "$idp_pid" ] && kill "$idp_pid" 2>/dev/null || true
  [ -n "$registry_pid" ] && kill "$registry_pid" 2>/dev/null || true
}
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

# The demo's OCI registry (Debian's docker-registry over TLS with htpasswd, seeded with a
# signed, an unsigned and a moving image) for the acme-registry target.
(umask 077 && mkdir -p data/demo-registry)
[ -s data/demo-registry/trust-policy.json ] || echo '{"rules":[]}' >data/demo-registry/trust-policy.json
if [ "$config" = e2e/demo/palisade.yaml ]; then
  if [ ! -x /usr/bin/docker-registry ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing docker-registry for the demo registry" >&2
    (export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq docker-registry >/dev/null 2>&1 ||
      { apt-get update -qq && apt-get install -y -qq docker-registry >/dev/null; }) || true
  fi
  if [ -x /usr/bin/docker-registry ]; then
    go build -o bin/demo-registry ./e2e/demo/registry
    rfifo=$(mktemp -u "${TMPDIR:-/tmp}/palisade-registry.XXXXXX")
    mkfifo "$rfifo"
    bin/demo-registry --dir data/demo-registry --addr 127.0.0.1:5443 >"$rfifo" &
    registry_pid=$!
    if read -r -t 120 line <"$rfifo" && [[ "$line" == "registry ready "* ]]; then
      echo "==> demo registry: ${line#registry ready } (target acme-registry; images acme/web, acme/legacy)" >&2
    else
      echo "==> the demo registry did not start (see data/demo-registry/registry.log); acme-registry is skipped" >&2
    fi
    rm -f "$rfifo"
  else
    echo "==> docker-registry is not installed: the demo registry target is skipped" >&2
  fi
fi

"$bin" --config "$config" migrate up
echo "==> open http://127.0.0.1:8080/auth/login and sign in as acme-admin / palisade-demo" >&2
"$bin" --config "$config" serve
