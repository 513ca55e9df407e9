#!/usr/bin/env bash
# Benchmark of the records endpoints (issue 6) on the generated data set of
# tests/bench/gen_dataset.sql (100,000 officials in 20 organisations, 500,000
# enrolments, 10,000 secondments). Starts a private PostgreSQL cluster and a
# Release server, then measures:
#   1. GET /api/v1/reports/summary (all organisations, and one organisation)
#   2. GET /api/v1/records?org_id=X&limit=50 (first page and a deep page)
#   3. GET /api/v1/records?format=csv (all 500,000 rows), with the server's
#      peak RSS (VmHWM in /proc/PID/status) before and after the export.
# Usage: tests/bench/records.sh [BUILD_DIR]   (default: build-records)
# Keeps the generated cluster in $MIGTRAIN_BENCH_DATA (default
# /var/tmp/migtrain-bench-pg) so that reruns skip the generation.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
bdir=${1:-build-records}
bin=$top/$bdir/migtrain
[ -x "$bin" ] || { echo "no $bin: build first (cmake -S . -B $bdir -DCMAKE_BUILD_TYPE=Release && cmake --build $bdir)" >&2; exit 2; }

data=${MIGTRAIN_BENCH_DATA:-/var/tmp/migtrain-bench-pg}
pgport=${MIGTRAIN_BENCH_PGPORT:-54391}
port=${MIGTRAIN_BENCH_PORT:-18391}
conn=$(deploy/pg-cluster start "$data" "$pgport")
srv=
cleanup() {
  [ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
  deploy/pg-cluster stop "$data"
}
trap cleanup EXIT

export MIGTRAIN_DB="$conn dbname=bench"
export MIGTRAIN_LISTEN=127.0.0.1:$port
export MIGTRAIN_KEY_FILE=$data/../migtrain-bench.key
export MIGTRAIN_THREADS=${MIGTRAIN_THREADS:-2}
password="bench-password-2026"

if ! psql "$conn dbname=postgres" -qtAc "SELECT 1 FROM pg_database WHERE datname = 'bench'" | grep -q 1; then
  psql "$conn dbname=postgres" -qc "CREATE DATABASE bench"
  "$bin" migrate >/dev/null
  echo "$password" | "$bin" create-user --email admin@bench.example \
    --name "Bench Admin" --role admin --org "Bench Office" >/dev/null
  echo "== generating the data set"
  start=$(date +%s.%N)
  psql "$MIGTRAIN_DB" -q -v ON_ERROR_STOP=1 -f tests/bench/gen_dataset.sql
  echo "generated in $(echo "$(date +%s.%N) - $start" | bc) s"
else
  "$bin" migrate >/dev/null
fi

hwm() { awk '/^VmHWM/ {print $2 " kB"}' "/proc/$srv/status"; }
rss() { awk '/^VmRSS/ {print $2 " kB"}' "/proc/$srv/status"; }
"$bin" serve 2>/tmp/migtrain-bench-server.log &
srv=$!
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done
token=$(curl -fs -H 'Content-Type: application/json' \
  -d "{\"email\":\"admin@bench.example\",\"password\":\"$password\"}" \
  "http://127.0.0.1:$port/api/v1/auth/login" | jq -r .token)
org=$(psql "$MIGTRAIN_DB" -qtAc "SELECT id FROM orgs WHERE name = 'Bench Ministry 07'")
base="http://127.0.0.1:$port/api/v1"

# Times one request 5 times (after a warm-up) and prints min and median.
timeit() {
  local name=$1 url=$2 t
  curl -fs -o /dev/null -H "Authorization: Bearer $token" "$url"
  t=$(for _ in 1 2 3 4 5; do
        curl -fs -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$url"
      done | sort -n)
  printf '%-44s min %6.1f ms   median %6.1f ms\n' "$name" \
    "$(echo "$t" | head -1 | awk '{print $1 * 1000}')" \
    "$(echo "$t" | sed -n 3p | awk '{print $1 * 1000}')"
}

echo "server at start: VmRSS $(rss), VmHWM $(hwm)"
echo "== data"
psql "$MIGTRAIN_DB" -qtAc "SELECT 'orgs ' || (SELECT count(*) FROM orgs) || ', users ' || (SELECT count(*) FROM users) || ', enrollments ' || (SELECT count(*) FROM enrollments) || ', secondments ' || (SELECT count(*) FROM secondments)"
echo "== timings (server threads: $MIGTRAIN_THREADS)"
timeit "summary report, all organisations" "$base/reports/summary"
timeit "summary report, one organisation" "$base/reports/summary?org_id=$org"
timeit "records page, one organisation (limit 50)" "$base/records?org_id=$org&limit=50"
after=$(curl -fs -H "Authorization: Bearer $token" "$base/records?org_id=$org&limit=200" | jq -r .next)
timeit "records next page, one organisation" "$base/records?org_id=$org&limit=50&after=$after"
timeit "records page, one org and course" "$base/records?org_id=$org&course_id=$(psql "$MIGTRAIN_DB" -qtAc "SELECT min(id) FROM courses WHERE slug LIKE 'gen-course-%' OR slug LIKE 'bench-course-%'")&limit=50"
timeit "records page, one org, completed in June" "$base/records?org_id=$org&from=2025-06-01&to=2025-06-30&limit=50"

# p99 of the records page under steady load (wrk --latency), at 1 and at
# 8 connections, 3 runs each (median and spread).
p99s() {
  for _ in 1 2 3; do
    wrk -t1 -c"$1" -d5s --latency -H "Authorization: Bearer $token" "$2" |
      awk '/Requests\/sec/ {r=$2} /^ +99%/ {v=$2; if (v ~ /us$/) m=v/1000; else if (v ~ /ms$/) m=v+0; else m=v*1000} END {printf "%.1f %.0f\n", m, r}'
  done | sort -n | awk '{p[NR]=$1; r[NR]=$2} END {printf "p99 %.1f ms (%.1f..%.1f), %s req/s", p[2], p[1], p[3], r[2]}'
}
for c in 1 8; do
  echo "records page, one organisation, wrk -c$c: $(p99s "$c" "$base/records?org_id=$org&limit=50"); load $(cut -d' ' -f1-3 /proc/loadavg)"
done

echo "== full CSV export"
# VmHWM is the peak of the whole process life, and the server's start (the
# argon2id work area of libsodium, 64 MiB) already sets it, so the export's
# own peak is also sampled from VmRSS every 10 ms while it runs.
echo "server before export: VmRSS $(rss), VmHWM $(hwm)"
out=$(mktemp /tmp/migtrain-bench-csv.XXXXXX)
curl -fs -o "$out" -w '%{time_total} %{size_download}\n' -H "Authorization: Bearer $token" \
  "$base/records?format=csv" >"$out.time" &
cpid=$!
peak=0
while kill -0 "$cpid" 2>/dev/null; do
  r=$(awk '/^VmRSS/ {print $2}' "/proc/$srv/status")
  [ "$r" -gt "$peak" ] && peak=$r
  sleep 0.01
done
wait "$cpid"
t=$(cat "$out.time")
echo "records.csv: $(wc -l <"$out") lines, $(echo "$t" | awk '{printf "%.1f MB in %.2f s", $2 / 1e6, $1}')"
echo "server during export: peak VmRSS ${peak} kB (sampled every 10 ms)"
echo "server after export:  VmRSS $(rss), VmHWM $(hwm)"
rm -f "$out.time"
t=$(curl -fs -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $token" "$base/records?format=csv&org_id=$org")
echo "records.csv for one organisation: $(echo "$t" | awk '{printf "%.2f s", $1}')"
rm -f "$out"
