#!/usr/bin/env bash
# Login storm (issue 11): authenticated reads while 40 distinct accounts
# log in without pause. Prints, for calm and storm alternately (3 times
# each), the reads' requests/s and p99, then the medians and spread, the
# storm's ratio to calm, and what the logins got (200 hashed, 503 refused
# at once with Retry-After, 429 per-address limits).
#
#   tests/bench/storm.sh [seconds]   (default 8; needs a Release build/)
# Knobs: BENCH_BUILD (build), BENCH_RUNS (3), STORM_READ_CONNS (16),
# STORM_ACCOUNTS (40), MIGTRAIN_HASH_THREADS / MIGTRAIN_HASH_QUEUE (the
# server's defaults when unset).
# The reads: wrk -t1 -c16 on GET /api/v1/auth/me (session lookup + one
# query). The storm: wrk -t1 -c40 POSTing logins of 40 accounts in turn,
# each connection sending its next login as soon as the last is answered
# (it ignores Retry-After: the worst case). All logins come from
# 127.0.0.1, so the per-address limits are lifted here; they would
# otherwise answer most of the storm with 429 before the hash pool.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
secs=${1:-8}
bdir=${BENCH_BUILD:-build}
case $bdir in /*) bin=$bdir/migtrain ;; *) bin=$top/$bdir/migtrain ;; esac
runs=${BENCH_RUNS:-3}
rconns=${STORM_READ_CONNS:-16}
accounts=${STORM_ACCOUNTS:-40}
[ -x "$bin" ] || { echo "build first: cmake -S . -B $bdir -DCMAKE_BUILD_TYPE=Release && cmake --build $bdir" >&2; exit 2; }

tmp=$(mktemp -d /tmp/migtrain-storm.XXXXXX); chmod 755 "$tmp"
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pgport=$(free_port); port=$(free_port)
conn=$(PG_THROWAWAY=1 deploy/pg-cluster start "$tmp/pg" "$pgport")
srv=""; storm=""
cleanup() {
  [ -n "$storm" ] && kill "$storm" 2>/dev/null && wait "$storm" 2>/dev/null
  [ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
  deploy/pg-cluster stop "$tmp/pg"; rm -rf "$tmp"
}
trap cleanup EXIT
psql "$conn dbname=postgres" -qc "CREATE DATABASE bench"
export MIGTRAIN_DB="$conn dbname=bench" MIGTRAIN_LISTEN="127.0.0.1:$port"
export MIGTRAIN_KEY_FILE="$tmp/key" MIGTRAIN_THREADS=${MIGTRAIN_THREADS:-2}
export MIGTRAIN_LOGIN_PER_ADDRESS=4096 MIGTRAIN_LOGIN_PER_ADDRESS_MINUTE=1000000
"$bin" migrate >/dev/null
password="bench password 1"
echo "$password" | "$bin" create-user --email reader@bench.example --name Reader \
  --role trainee --org Bench >/dev/null
# The storm's accounts share the reader's argon2id hash (same password).
psql "$MIGTRAIN_DB" -qc "INSERT INTO users (email, name, role, org_id, password_hash)
  SELECT 'storm' || g || '@bench.example', 'Storm ' || g, 'trainee', org_id, password_hash
    FROM users, generate_series(1, $accounts) g WHERE email = 'reader@bench.example'"

"$bin" serve 2>"$tmp/server.log" & srv=$!
for _ in $(seq 600); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
token=$(curl -fs -H 'Content-Type: application/json' \
  -d "{\"email\":\"reader@bench.example\",\"password\":\"$password\"}" \
  "http://127.0.0.1:$port/api/v1/auth/login" | jq -r .token)
[ -n "$token" ] && [ "$token" != null ] || { echo "no reader token" >&2; exit 1; }

cat > "$tmp/storm.lua" <<LUA
-- Logins of storm1..storm$accounts in turn; counts the answers by status.
local n = 0
counts = {}   -- global: done() reads it from each thread
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
function request()
  n = n + 1
  return wrk.format(nil, nil, nil, string.format(
    '{"email":"storm%d@bench.example","password":"$password"}', n % $accounts + 1))
end
function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end
local threads = {}
function setup(t) table.insert(threads, t) end
function done(summary, latency, requests)
  local all = {}
  for _, t in ipairs(threads) do
    for s, c in pairs(t:get("counts")) do all[s] = (all[s] or 0) + c end
  end
  local out = {}
  for s, c in pairs(all) do table.insert(out, s .. ":" .. c) end
  table.sort(out)
  io.write("logins " .. table.concat(out, " ") .. "\n")
end
LUA

url="http://127.0.0.1:$port/api/v1/auth/me"
# read_run SECS: prints "rps p99_ms"
read_run() {
  wrk -t1 -c"$rconns" -d"$1" --latency -H "Authorization: Bearer $token" "$url" |
    awk '/Requests\/sec/ {r=$2} /^ +99%/ {v=$2; if (v ~ /us$/) m=v/1000; else if (v ~ /ms$/) m=v+0; else m=v*1000} END {printf "%s %.1f\n", r, m}'
}
stats() {  # median and spread (min..max) of the numbers on stdin
  sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%.1f (%.1f..%.1f)", m, a[1], a[NR]}'
}

echo "== reads: wrk -t1 -c$rconns ${secs}s GET /api/v1/auth/me; storm: wrk -t1 -c$accounts POST /auth/login, $accounts accounts, no pause"
echo "   MIGTRAIN_THREADS=$MIGTRAIN_THREADS, hash threads ${MIGTRAIN_HASH_THREADS:-default}, queue ${MIGTRAIN_HASH_QUEUE:-default}; load: $(cut -d' ' -f1-3 /proc/loadavg)"
read_run 2s >/dev/null
cr=(); cl=(); sr=(); sl=()
for i in $(seq "$runs"); do
  read -r rps p99 < <(read_run "${secs}s"); cr+=("$rps"); cl+=("$p99")
  echo "calm  $i: $rps reads/s, p99 $p99 ms"
  wrk -t1 -c"$accounts" -d"$((secs + 2))s" -s "$tmp/storm.lua" \
    "http://127.0.0.1:$port/api/v1/auth/login" >"$tmp/storm.$i" 2>&1 & storm=$!
  sleep 1   # the storm is under way before the reads start
  read -r rps p99 < <(read_run "${secs}s"); sr+=("$rps"); sl+=("$p99")
  wait "$storm" || true; storm=""
  echo "storm $i: $rps reads/s, p99 $p99 ms; $(grep '^logins' "$tmp/storm.$i") in $((secs + 2)) s"
done
cm=$(printf '%s\n' "${cr[@]}" | stats); sm=$(printf '%s\n' "${sr[@]}" | stats)
echo "== median (min..max) of $runs; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "calm : reads/s $cm, p99 ms $(printf '%s\n' "${cl[@]}" | stats)"
echo "storm: reads/s $sm, p99 ms $(printf '%s\n' "${sl[@]}" | stats)"
echo "storm/calm throughput: $(echo "$(echo "$sm" | cut -d' ' -f1) / $(echo "$cm" | cut -d' ' -f1)" | bc -l | cut -c1-5)"
