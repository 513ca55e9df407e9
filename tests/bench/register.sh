#!/usr/bin/env bash
# Registration throughput (issue 5): 1,000 registrations by 64 concurrent
# clients into one event of 100 seats; prints registrations per second and
# the final counts, and fails unless exactly 100 are confirmed and the 900
# others waitlisted at positions 1..900.
#
# Usage (from the repository root, after building build/migtrain):
#   tests/bench/register.sh                      # throwaway cluster + server
#   MIGTRAIN_BIN=build-x/migtrain tests/bench/register.sh
#   MIGTRAIN_TEST_PG="host=/tmp/pg port=5432 user=postgres" tests/bench/register.sh
#                                                # existing cluster, new database
#   BENCH_URL=http://127.0.0.1:8080 BENCH_TOKEN=<admin or coordinator token> \
#   MIGTRAIN_DB="host=... dbname=migtrain" tests/bench/register.sh
#                                                # an already running server
# Knobs: BENCH_REGS (1000), BENCH_CLIENTS (64), BENCH_SEATS (100),
# MIGTRAIN_THREADS for the server it starts (default: number of CPUs).
# The registrations are made by one coordinator for 1,000 users created
# directly in SQL (argon2id would otherwise dominate the set-up), so the
# figure measures the registration path: HTTP, session, and mt_register
# under the event row lock.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
export MIGTRAIN_BIN=${MIGTRAIN_BIN:-build/migtrain}
if [ -z "${BENCH_URL:-}" ] && [ -z "${MIGTRAIN_TEST_PG:-}" ]; then
  [ -x "$MIGTRAIN_BIN" ] || { echo "build first: cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j" >&2; exit 2; }
  tmp=$(mktemp -d /tmp/migtrain-bench.XXXXXX)
  chmod 755 "$tmp"
  port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  export PG_THROWAWAY=1
  MIGTRAIN_TEST_PG=$(deploy/pg-cluster start "$tmp/pg" "$port")
  export MIGTRAIN_TEST_PG
  trap 'deploy/pg-cluster stop "$tmp/pg"; rm -rf "$tmp"' EXIT
fi
/usr/bin/python3 tests/bench/register.py
