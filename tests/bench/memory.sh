#!/usr/bin/env bash
# Resident memory of the server under mixed requests (issue 11): starts a
# throwaway cluster and a Release server (MIGTRAIN_THREADS=2), makes a
# small catalogue, then sends mixed requests with wrk (reads of the
# caller, catalogue, a course, a lesson, events, an event, records, a
# summary, a 404 and a 422 POST, in turn) until the server's own request
# counter passes the target, printing VmRSS / VmHWM / RssAnon from
# /proc/PID/status at each step. VmHWM includes the argon2id work area of
# the hashing threads (64 MiB each, mapped only while a hash runs: see
# server/crypto.c); VmRSS after the hashes is the figure to watch.
#
#   tests/bench/memory.sh [requests]   (default 100000; needs build/)
# Knobs: BENCH_BUILD (build), MEMORY_STEP (requests between samples, 20000).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
target=${1:-100000}
step=${MEMORY_STEP:-20000}
bdir=${BENCH_BUILD:-build}
case $bdir in /*) bin=$bdir/migtrain ;; *) bin=$top/$bdir/migtrain ;; esac
[ -x "$bin" ] || { echo "build first: cmake -S . -B $bdir -DCMAKE_BUILD_TYPE=Release && cmake --build $bdir" >&2; exit 2; }

tmp=$(mktemp -d /tmp/migtrain-memory.XXXXXX); chmod 755 "$tmp"
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pgport=$(free_port); port=$(free_port)
conn=$(PG_THROWAWAY=1 deploy/pg-cluster start "$tmp/pg" "$pgport")
srv=""
cleanup() {
  [ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
  deploy/pg-cluster stop "$tmp/pg"; rm -rf "$tmp"
}
trap cleanup EXIT
psql "$conn dbname=postgres" -qc "CREATE DATABASE bench"
export MIGTRAIN_DB="$conn dbname=bench" MIGTRAIN_LISTEN="127.0.0.1:$port"
export MIGTRAIN_KEY_FILE="$tmp/key" MIGTRAIN_THREADS=${MIGTRAIN_THREADS:-2}
export MIGTRAIN_METRICS_TOKEN=memory-bench-metrics-token
"$bin" migrate >/dev/null
password="bench password 1"
echo "$password" | "$bin" create-user --email admin@bench.example --name Admin \
  --role admin --org Bench >/dev/null

"$bin" serve 2>"$tmp/server.log" & srv=$!
for _ in $(seq 600); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$port/api/v1"
admin=$(curl -fs -H 'Content-Type: application/json' \
  -d "{\"email\":\"admin@bench.example\",\"password\":\"$password\"}" \
  "$base/auth/login" | jq -r .token)
api() { curl -fs -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' "$@"; }
for i in $(seq 10); do
  cid=$(api -d "{\"slug\":\"mem-course-$i\",\"title\":\"Memory course $i\",\"summary\":\"Part $i.\",\"audience\":[\"all\"],\"published\":true}" "$base/courses" | jq -r .id)
  api -d "{\"title\":\"Lesson\",\"kind\":\"lesson\",\"body_md\":\"# Lesson $i\\n\\nSome *text*.\\n\"}" "$base/courses/$cid/modules" >/dev/null
  api -d "{\"kind\":\"seminar\",\"title\":\"Seminar $i\",\"location\":\"Geneva\",\"country\":\"CH\",\"starts_at\":\"2030-05-1${i: -1}T09:00:00Z\",\"ends_at\":\"2030-05-1${i: -1}T17:00:00Z\",\"capacity\":30}" "$base/events" >/dev/null
done
course=$(api "$base/courses?limit=1" | jq -r '.items[0].id')
lesson=$(api "$base/courses/$course" | jq -r '.modules[0].id')
event=$(api "$base/events" | jq -r '.items[0].id')

cat > "$tmp/mixed.lua" <<LUA
local paths = {
  {"GET", "/api/v1/auth/me"}, {"GET", "/api/v1/courses?limit=20"},
  {"GET", "/api/v1/courses/$course"}, {"GET", "/api/v1/modules/$lesson"},
  {"GET", "/api/v1/events"}, {"GET", "/api/v1/events/$event"},
  {"GET", "/api/v1/records?limit=50"}, {"GET", "/api/v1/reports/summary"},
  {"GET", "/api/v1/no/such/path"}, {"POST", "/api/v1/courses", '{"slug": 1}'},
}
local n = 0
wrk.headers["Authorization"] = "Bearer $admin"
wrk.headers["Content-Type"] = "application/json"
function request()
  n = n + 1
  local p = paths[n % #paths + 1]
  return wrk.format(p[1], p[2], nil, p[3])
end
LUA

count() {
  curl -fs -H "Authorization: Bearer $MIGTRAIN_METRICS_TOKEN" "http://127.0.0.1:$port/metrics" |
    awk '/^migtrain_http_requests_total/ {s += $2} END {printf "%d\n", s}'
}
mem() {
  awk '/^(VmRSS|VmHWM|RssAnon|Threads)/ {printf "%s %s %s  ", $1, $2, $3}' "/proc/$srv/status"
}
echo "== MIGTRAIN_THREADS=$MIGTRAIN_THREADS; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "after start and set-up ($(count) requests): $(mem)"
next=$step
while :; do
  done_n=$(count)
  [ "$done_n" -ge "$target" ] && break
  wrk -t2 -c32 -d3s -s "$tmp/mixed.lua" "http://127.0.0.1:$port/" >/dev/null
  done_n=$(count)
  if [ "$done_n" -ge "$next" ]; then
    echo "after $done_n requests: $(mem)"
    next=$(( (done_n / step + 1) * step ))
  fi
done
echo "final ($(count) requests): $(mem)"
grep -E '^(VmRSS|VmHWM|RssAnon|RssFile|VmData)' "/proc/$srv/status" | tr -s ' \t' ' ' | paste -sd ';'
