#!/usr/bin/env bash
# Benchmark of the foundation (issue 2): authenticated GET /api/v1/auth/me
# with wrk at 64 connections, next to `pgbench -S` at the same concurrency
# on the same cluster, back to back; the login rate with the argon2id
# limits in use; and the server's resident memory after the runs.
#   tests/bench/auth_me.sh [seconds]      (needs a Release build in build/)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
secs=${1:-15}
deploy/install-deps
[ -x build/migtrain ] || { cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null; cmake --build build -j"$(nproc)" >/dev/null; }
tmp=$(mktemp -d /tmp/migtrain-bench.XXXXXX); chmod 755 "$tmp"
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pgport=$(free_port); port=$(free_port)
conn=$(PG_THROWAWAY=1 deploy/pg-cluster start "$tmp/pg" "$pgport")
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; deploy/pg-cluster stop "$tmp/pg"; rm -rf "$tmp"; }
trap cleanup EXIT
psql "$conn dbname=postgres" -qc "CREATE DATABASE bench" -c "CREATE DATABASE pgb"
export MIGTRAIN_DB="$conn dbname=bench" MIGTRAIN_LISTEN="127.0.0.1:$port"
export MIGTRAIN_KEY_FILE="$tmp/key"
build/migtrain migrate >/dev/null
echo "bench password 1" | build/migtrain create-user --email b@example.org --name Bench --role trainee --org Bench >/dev/null
build/migtrain serve 2>"$tmp/server.log" & pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.05; done
token=$(curl -sf "http://127.0.0.1:$port/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d '{"email":"b@example.org","password":"bench password 1"}' | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

echo "== wrk: GET /api/v1/auth/me, 64 connections, ${secs}s"
wrk -t2 -c64 -d"${secs}s" --latency -H "Authorization: Bearer $token" \
  "http://127.0.0.1:$port/api/v1/auth/me" | tee "$tmp/wrk.txt"
echo "== pgbench -S, 64 clients, ${secs}s, same cluster"
pgbench -i -q -s 10 "$conn dbname=pgb" >/dev/null 2>&1
pgbench -S -c64 -j2 -T"$secs" -n "$conn dbname=pgb" 2>/dev/null | tee "$tmp/pgb.txt" | grep -E "tps|latency"
rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk.txt")
tps=$(awk '/^tps/ {print $3; exit}' "$tmp/pgb.txt")
echo "ratio auth/me rps / pgbench -S tps = $(/usr/bin/python3 -c "print(round($rps/$tps, 3))")"

total=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^migtrain_http_request_duration_seconds_count/ {print $2}')
echo "== server after $total requests (before any login load): $(grep -E 'VmRSS|VmHWM' /proc/$pid/status | tr -s ' \n' ' ')"

echo "== login rate (argon2id $(grep -o 'm=[0-9]*,t=[0-9]*' <<<"$(psql "$MIGTRAIN_DB" -qtAc 'SELECT password_hash FROM users LIMIT 1')"), ${MIGTRAIN_HASH_THREADS:-default} hash threads), 4 connections, ${secs}s"
cat > "$tmp/login.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"b@example.org","password":"bench password 1"}'
LUA
# Four at a time: one account allows five attempts in flight.
wrk -t2 -c4 -d"${secs}s" -s "$tmp/login.lua" "http://127.0.0.1:$port/api/v1/auth/login" > "$tmp/login.txt"
grep -E "Requests/sec|Non-2xx|requests in|99%" "$tmp/login.txt" || true
/usr/bin/python3 - "$tmp/login.txt" "$secs" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
n = int(re.search(r"(\d+) requests in", t).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
ok = n - (int(bad.group(1)) if bad else 0)
print("successful logins per second: %.1f" % (ok / float(sys.argv[2])))
PY
total=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^migtrain_http_request_duration_seconds_count/ {print $2}')
echo "== server after $total requests in all: $(grep -E 'VmRSS|VmHWM' /proc/$pid/status | tr -s ' \n' ' ')"
