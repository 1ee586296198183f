#!/usr/bin/env bash
# Runs every test. Provisions what the integration tests talk to when it is not given:
# a throwaway PostgreSQL (PALISADE_TEST_POSTGRES_DSN).
set -euo pipefail
cd "$(dirname "$0")/.."

started_pg=0
cleanup() {
  if [ "$started_pg" = 1 ]; then scripts/test-postgres.sh stop; fi
}
trap cleanup EXIT

if [ -z "${PALISADE_TEST_POSTGRES_DSN:-}" ]; then
  echo "==> starting a throwaway PostgreSQL for the integration tests" >&2
  PALISADE_TEST_POSTGRES_DSN=$(scripts/test-postgres.sh start)
  export PALISADE_TEST_POSTGRES_DSN
  started_pg=1
fi

echo "==> go vet" >&2
go vet ./...

echo "==> go test (PostgreSQL: ${PALISADE_TEST_POSTGRES_DSN%%\?*})" >&2
go test "$@" ./...
