#!/usr/bin/env bash
# Runs every test. Provisions what the integration tests talk to when it is not given:
# a throwaway PostgreSQL (PALISADE_TEST_POSTGRES_DSN). Prints per-package results, the
# PostgreSQL cases that ran, and a closing "N passed, N failed, N skipped" line.
set -uo pipefail
cd "$(dirname "$0")/.."

started_pg=0
log=$(mktemp "${TMPDIR:-/tmp}/palisade-test.XXXXXX")
cleanup() {
  if [ "$started_pg" = 1 ]; then scripts/test-postgres.sh stop; fi
  rm -f "$log"
}
trap cleanup EXIT

if [ -z "${PALISADE_TEST_POSTGRES_DSN:-}" ]; then
  echo "==> starting a throwaway PostgreSQL for the integration tests" >&2
  PALISADE_TEST_POSTGRES_DSN=$(scripts/test-postgres.sh start) || exit 2
  export PALISADE_TEST_POSTGRES_DSN
  started_pg=1
fi

if [ -z "${PALISADE_KUBE_BIN_DIR:-}" ]; then
  echo "==> kube-apiserver and etcd for the cluster tests (built once per version, then cached)" >&2
  PALISADE_KUBE_BIN_DIR=$(scripts/kube-tools.sh | tail -n 1) || exit 2
  export PALISADE_KUBE_BIN_DIR
fi

scripts/node-deps.sh || exit 2

echo "==> go vet" >&2
go vet ./... || exit 1

echo "==> go test (PostgreSQL at ${PALISADE_TEST_POSTGRES_DSN%%\?*})" >&2
go test -v "$@" ./... >"$log" 2>&1
rc=$?

echo "==> node --test (deploy/idp)" >&2
node_log=$(mktemp "${TMPDIR:-/tmp}/palisade-node.XXXXXX")
npm test --silent --workspace deploy/idp >"$node_log" 2>&1 || { rc=1; cat "$node_log"; }
node_pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$node_log" | tail -n 1)
node_fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$node_log" | tail -n 1)
echo "deploy/idp: ${node_pass:-0} passed, ${node_fail:-0} failed"
rm -f "$node_log"

# Package lines, and every failure with its output.
grep -E '^(ok|FAIL|panic:|---)|^\s+--- FAIL|^\s+\S+_test\.go:[0-9]+' "$log" | grep -v -- '--- PASS\|--- SKIP' || true
pg=$(grep -cE -- '--- PASS: .*/postgres' "$log" || true)
echo "==> PostgreSQL cases passed: $pg" >&2
if [ "${CI:-}" = true ] && [ "$pg" = 0 ]; then
  echo "CI=true but no PostgreSQL case ran" >&2
  rc=1
fi
passed=$(( $(grep -cE -- '--- PASS' "$log" || true) + ${node_pass:-0} ))
failed=$(( $(grep -cE -- '--- FAIL' "$log" || true) + ${node_fail:-0} ))
skipped=$(grep -cE -- '--- SKIP' "$log" || true)
if [ "$rc" != 0 ] && [ "$failed" = 0 ]; then
  tail -n 60 "$log"   # a build error or panic: show it whole
  failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $rc
