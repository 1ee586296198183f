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
  rm -f "$log" "${e2e_log:-}"
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

echo "==> web UI: unit tests, build, bundle size" >&2
ui_log=$(mktemp "${TMPDIR:-/tmp}/palisade-ui.XXXXXX")
ui_pass=0; ui_fail=0
if NO_COLOR=1 FORCE_COLOR=0 npm test --silent --workspace frontend >"$ui_log" 2>&1; then :; else rc=1; cat "$ui_log"; fi
ui_pass=$(sed -n 's/^ *Tests  *\([0-9]*\) passed.*/\1/p' "$ui_log" | tail -n 1)
ui_fail=$(sed -n 's/^ *Tests  *\([0-9]*\) failed.*/\1/p' "$ui_log" | tail -n 1)
echo "frontend: ${ui_pass:-0} passed, ${ui_fail:-0} failed"
if npm run build --silent --workspace frontend >"$ui_log" 2>&1 && npm run size --silent --workspace frontend; then :; else rc=1; cat "$ui_log"; fi

echo "==> browser tests (Playwright + Chromium against the real binary, identity provider and cluster)" >&2
e2e_pass=0; e2e_fail=0
if go build -o bin/palisade-e2e ./backend/cmd/palisade; then
  e2e_log=$(mktemp "${TMPDIR:-/tmp}/palisade-e2e.XXXXXX")
  (cd e2e && PALISADE_E2E_BIN="$PWD/../bin/palisade-e2e" PALISADE_KUBE_BIN_DIR="$PALISADE_KUBE_BIN_DIR" \
    NO_COLOR=1 FORCE_COLOR=0 npx playwright test --reporter=list >"$e2e_log" 2>&1) || { rc=1; tail -n 80 "$e2e_log"; }
  grep -E '^\s+(✓|✘|-)' "$e2e_log" | sed 's/^/  /' || true
  e2e_pass=$(sed -n 's/^ *\([0-9]*\) passed.*/\1/p' "$e2e_log" | tail -n 1)
  e2e_fail=$(sed -n 's/^ *\([0-9]*\) failed.*/\1/p' "$e2e_log" | tail -n 1)
  echo "e2e: ${e2e_pass:-0} passed, ${e2e_fail:-0} failed (screenshots in e2e/test-results/screenshots)"
else
  rc=1
fi

# Package lines, and every failure with its output.
grep -E '^(ok|FAIL|panic:|---)|^\s+--- FAIL|^\s+\S+_test\.go:[0-9]+' "$log" | grep -v -- '--- PASS\|--- SKIP' || true
pg=$(grep -cE -- '--- PASS: .*/postgres' "$log" || true)
echo "==> PostgreSQL cases passed: $pg" >&2
if [ "${CI:-}" = true ] && [ "$pg" = 0 ]; then
  echo "CI=true but no PostgreSQL case ran" >&2
  rc=1
fi
passed=$(( $(grep -cE -- '--- PASS' "$log" || true) + ${node_pass:-0} + ${ui_pass:-0} + ${e2e_pass:-0} ))
failed=$(( $(grep -cE -- '--- FAIL' "$log" || true) + ${node_fail:-0} + ${ui_fail:-0} + ${e2e_fail:-0} ))
skipped=$(grep -cE -- '--- SKIP' "$log" || true)
if [ "$rc" != 0 ] && [ "$failed" = 0 ]; then
  tail -n 60 "$log"   # a build error or panic: show it whole
  failed=1
fi
# The closing lines name every failed test, so a truncated CI log still says what broke.
{
  grep -E -- '--- FAIL' "$log" | sed 's/^ *--- FAIL: /go: /; s/ (.*//'
  grep -E '^\s+✘' "${e2e_log:-/dev/null}" 2>/dev/null | sed 's/^ */e2e: /'
} | sed 's/^/FAILED /' | head -n 20
echo "$passed passed, $failed failed, $skipped skipped"
exit $rc
