#!/usr/bin/env bash
# Throughput of migtrain's hot read paths as a ratio to the stack's ceiling
# (issue 11), plus instructions per request from callgrind, which stay
# repeatable on a loaded machine where requests/s do not.
#
# The ceiling is mhd_pg.c (libmicrohttpd + one prepared primary-key SELECT
# through libpq, JSON built by PostgreSQL; nothing else). It is compiled at
# run time from MIGTRAIN_CEILING_SRC (default /work/shared/bench/mhd_pg.c)
# and never copied here. Both servers run on one throwaway cluster; for each
# path: a 2 s warm-up of each, then `wrk -t2 -c64` against migtrain and the
# ceiling alternately, twice; the figures are the medians (of two: the mean).
#
#   tests/bench/ratio.sh [seconds]   (default 8; needs a Release build/)
# Knobs: BENCH_BUILD (build), BENCH_PATHS (space-separated names, default
# all: me catalog course lesson events records), BENCH_CG_N (requests per
# path under callgrind, default 200; 0 skips callgrind), BENCH_RUNS
# (alternations, 2). The records path generates the 100,000-official data
# set of tests/bench/records.sh in the bench database first (minutes); leave
# it out of BENCH_PATHS for a quick run.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
secs=${1:-8}
bdir=${BENCH_BUILD:-build}
case $bdir in /*) bin=$bdir/migtrain ;; *) bin=$top/$bdir/migtrain ;; esac
src=${MIGTRAIN_CEILING_SRC:-/work/shared/bench/mhd_pg.c}
paths=${BENCH_PATHS:-me catalog course lesson events records}
cg_n=${BENCH_CG_N:-200}
runs=${BENCH_RUNS:-2}
[ -x "$bin" ] || { echo "build first: cmake -S . -B $bdir -DCMAKE_BUILD_TYPE=Release && cmake --build $bdir" >&2; exit 2; }
[ -f "$src" ] || { echo "no ceiling source at $src (set MIGTRAIN_CEILING_SRC)" >&2; exit 2; }

tmp=$(mktemp -d /tmp/migtrain-ratio.XXXXXX); chmod 755 "$tmp"
cc -O2 $(pkg-config --cflags libpq) -o "$tmp/mhd_pg" "$src" -lmicrohttpd \
  $(pkg-config --libs libpq) -lpthread
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pgport=$(free_port); port=$(free_port); cport=$(free_port)
conn=$(PG_THROWAWAY=1 deploy/pg-cluster start "$tmp/pg" "$pgport")
srv=""; ceil=""
cleanup() {
  [ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
  [ -n "$ceil" ] && kill "$ceil" 2>/dev/null && wait "$ceil" 2>/dev/null
  deploy/pg-cluster stop "$tmp/pg"; rm -rf "$tmp"
}
trap cleanup EXIT
psql "$conn dbname=postgres" -qc "CREATE DATABASE bench"
psql "$conn dbname=bench" -qc "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" 2>/dev/null || true
export MIGTRAIN_DB="$conn dbname=bench" MIGTRAIN_LISTEN="127.0.0.1:$port"
export MIGTRAIN_KEY_FILE="$tmp/key" MIGTRAIN_THREADS=2
"$bin" migrate >/dev/null
pgbench -i -q -s 1 "$conn dbname=bench" >/dev/null 2>&1
password="bench password 1"
echo "$password" | "$bin" create-user --email admin@bench.example --name Bench \
  --role admin --org Bench >/dev/null
echo "$password" | "$bin" create-user --email trainee@bench.example --name Trainee \
  --role trainee --org Bench >/dev/null

start_srv() {
  "$@" serve 2>>"$tmp/server.log" & srv=$!
  for _ in $(seq 600); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.1; done
  echo "server did not start" >&2; exit 1
}
start_srv "$bin"
"$tmp/mhd_pg" "$cport" 2 "$conn dbname=bench" 100000 2>"$tmp/mhd_pg.log" & ceil=$!
login() {
  curl -fs -H 'Content-Type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"$password\"}" \
    "http://127.0.0.1:$port/api/v1/auth/login" | jq -r .token
}
admin=$(login admin@bench.example); token=$(login trainee@bench.example)
api() { curl -fs -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' "$@"; }
base="http://127.0.0.1:$port/api/v1"

# The bench catalogue: 24 published courses of 3 lessons each, and 20 events.
for i in $(seq 24); do
  cid=$(api -d "{\"slug\":\"bench-course-$i\",\"title\":\"Bench course $i: borders and visas\",\"summary\":\"Interviewing, document checks and referral, part $i.\",\"audience\":[\"border_guard\",\"migration\"],\"published\":true,\"estimated_minutes\":90}" "$base/courses" | jq -r .id)
  for j in 1 2 3; do
    api -d "{\"title\":\"Lesson $j\",\"kind\":\"lesson\",\"body_md\":\"# Lesson $j\\n\\nSome *text* about [documents](https://example.org) and **visas**.\\n\\n- one\\n- two\\n\"}" \
      "$base/courses/$cid/modules" >/dev/null
  done
done
for i in $(seq 20); do
  api -d "{\"kind\":\"seminar\",\"title\":\"Bench seminar $i\",\"description\":\"Day $i.\",\"location\":\"Geneva\",\"country\":\"CH\",\"starts_at\":\"2030-0$((1 + i % 9))-1${i: -1}T09:00:00Z\",\"ends_at\":\"2030-0$((1 + i % 9))-1${i: -1}T17:00:00Z\",\"capacity\":30}" \
    "$base/events" >/dev/null
done
course=$(api "$base/courses?limit=1" | jq -r '.items[0].id')
lesson=$(api "$base/courses/$course" | jq -r '.modules[0].id')
# records: the first page of one organisation's completion records, as its
# reviewer sees them, on the data set of tests/bench/records.sh (100,000
# officials in 20 organisations, 500,000 enrolments), generated here in the
# bench database when the path is asked for (a few minutes; the other
# paths then run beside that data, as in production).
rorg=""
case " $paths " in *" records "*)
  echo "== generating the records data set (tests/bench/gen_dataset.sql)"
  psql "$MIGTRAIN_DB" -q -v ON_ERROR_STOP=1 -f tests/bench/gen_dataset.sql >/dev/null
  rorg=$(psql "$MIGTRAIN_DB" -qtAc "SELECT id FROM orgs WHERE name = 'Bench Ministry 07'")
  echo "$password" | "$bin" create-user --email reviewer@bench.example --name Reviewer \
    --role reviewer --org "Bench Ministry 07" >/dev/null
  reviewer=$(login reviewer@bench.example) ;;
esac
psql "$MIGTRAIN_DB" -qc "VACUUM ANALYZE" >/dev/null

url_of() {
  case $1 in
  me) echo "$base/auth/me" ;;
  catalog) echo "$base/courses?limit=20" ;;
  course) echo "$base/courses/$course" ;;
  lesson) echo "$base/modules/$lesson" ;;
  events) echo "$base/events" ;;
  records) echo "$base/records?org_id=$rorg&limit=50" ;;
  esac
}
tok_of() { if [ "$1" = records ]; then echo "$reviewer"; else echo "$token"; fi; }
for p in $paths; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(tok_of "$p")" "$(url_of "$p")")
  [ "$code" = 200 ] || { echo "$p: $(url_of "$p") answered $code" >&2; exit 1; }
done

# wrk_rps URL [header]: prints "rps p99_ms"
wrk_run() {
  local out
  out=$(wrk -t2 -c64 -d"$2" --latency ${3:+-H "$3"} "$1")
  awk '/Requests\/sec/ {r=$2} /^ +99%/ {v=$2; if (v ~ /us$/) m=v/1000; else if (v ~ /ms$/) m=v+0; else m=v*1000} END {printf "%s %.1f\n", r, m}' <<<"$out"
}
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.1f\n", (a[NR/2]+a[NR/2+1])/2}'; }

echo "== wrk -t2 -c64 -d${secs}s, MIGTRAIN_THREADS=2, ceiling mhd_pg (pool 2), $runs alternations after 2 s warm-ups"
echo "   (a loaded machine moves absolute figures; only the same-run ratio means something)"
printf '%-8s %11s %9s %11s %7s   %s\n' path "migtrain/s" "p99 ms" "ceiling/s" ratio "runs (migtrain/ceiling)"
for p in $paths; do
  u=$(url_of "$p"); h="Authorization: Bearer $(tok_of "$p")"
  wrk_run "$u" 2s "$h" >/dev/null; wrk_run "http://127.0.0.1:$cport/" 2s >/dev/null
  m=(); c=(); l=()
  for _ in $(seq "$runs"); do
    read -r rps p99 < <(wrk_run "$u" "${secs}s" "$h"); m+=("$rps"); l+=("$p99")
    read -r rps _ < <(wrk_run "http://127.0.0.1:$cport/" "${secs}s"); c+=("$rps")
  done
  mm=$(printf '%s\n' "${m[@]}" | median); cm=$(printf '%s\n' "${c[@]}" | median)
  lm=$(printf '%s\n' "${l[@]}" | median)
  printf '%-8s %11.0f %9.1f %11.0f %7.3f   %s\n' "$p" "$mm" "$lm" "$cm" \
    "$(echo "$mm / $cm" | bc -l)" "$(paste -d/ <(printf '%s\n' "${m[@]}") <(printf '%s\n' "${c[@]}") | tr '\n' ' ')"
done
kill "$ceil"; wait "$ceil" 2>/dev/null || true; ceil=""

[ "$cg_n" -gt 0 ] || exit 0
# Instructions per request: the server under callgrind; after a warm-up of
# every path the counters are zeroed, then each path gets cg_n keep-alive
# requests followed by a dump (which zeroes again), so each dump holds that
# path's requests (all threads) and little else.
kill "$srv"; wait "$srv" 2>/dev/null || true; srv=""
cg=$tmp/cg; mkdir -p "$cg"
start_srv valgrind --tool=callgrind --callgrind-out-file="$cg/out.%p" "$bin"
reqs() {
  /usr/bin/python3 - "$port" "$1" "$2" "${3:-$token}" <<'PY'
import http.client, sys, urllib.parse
port, url, n, tok = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
path = urllib.parse.urlsplit(url)
path = path.path + ("?" + path.query if path.query else "")
c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
for _ in range(n):
    c.request("GET", path, headers={"Authorization": "Bearer " + tok})
    r = c.getresponse(); r.read()
    assert r.status == 200, r.status
PY
}
for p in $paths; do reqs "$(url_of "$p")" 20 "$(tok_of "$p")"; done
callgrind_control -z "$srv" >/dev/null
echo "== instructions per request (callgrind, $cg_n keep-alive requests per path, all server threads)"
for p in $paths; do
  reqs "$(url_of "$p")" "$cg_n" "$(tok_of "$p")"
  before=$(ls "$cg" | wc -l)
  callgrind_control -d "$p" "$srv" >/dev/null
  for _ in $(seq 300); do [ "$(ls "$cg" | wc -l)" -gt "$before" ] && break; sleep 0.1; done
  f=$(ls -t "$cg"/out.* | head -1)
  ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$f")
  printf '%-8s %12.0f Ir/request\n' "$p" "$(echo "$ir / $cg_n" | bc -l)"
done
