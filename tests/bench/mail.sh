#!/usr/bin/env bash
# Mail (issue 14): messages per second delivered to a local SMTP sink
# (aiosmtpd) when 1,000 are committed at once, and the delay from commit to
# delivery (median, p99) over 1,000 messages committed one per transaction
# at a pace below capacity (BENCH_PACE_S, default 0.02 s apart).
#
# Usage (from the repository root, after building build/migtrain):
#   tests/bench/mail.sh                               # throwaway cluster
#   MIGTRAIN_TEST_PG="host=/tmp/pg port=5432 user=postgres" tests/bench/mail.sh
# Knobs: BENCH_MAILS (1000), BENCH_PACE_S (0.02).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
export MIGTRAIN_BIN=${MIGTRAIN_BIN:-build/migtrain}
if [ -z "${MIGTRAIN_TEST_PG:-}" ]; then
  [ -x "$MIGTRAIN_BIN" ] || { echo "build first: cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j" >&2; exit 2; }
  tmp=$(mktemp -d /tmp/migtrain-bench.XXXXXX)
  chmod 755 "$tmp"
  port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  export PG_THROWAWAY=1
  MIGTRAIN_TEST_PG=$(deploy/pg-cluster start "$tmp/pg" "$port")
  export MIGTRAIN_TEST_PG
  trap 'deploy/pg-cluster stop "$tmp/pg"; rm -rf "$tmp"' EXIT
fi
/usr/bin/python3 tests/bench/mail.py
