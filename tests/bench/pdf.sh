#!/usr/bin/env bash
# Benchmark of the printable certificates (issue 15): PDFs per second from
# GET /api/v1/certificates/{code}/pdf, first drawn (cairo + pango +
# libqrencode; N distinct certificates, fetched 2 at a time) and then from
# the server's cache, next to the JSON verification page of the same
# certificate for scale, and the size of one PDF (plain and revoked).
# Starts a throwaway PostgreSQL cluster and a Release server on free ports.
# Usage: tests/bench/pdf.sh [BUILD_DIR] (default: build); DURATION=10s,
# CONNS=4 and MIGTRAIN_THREADS=2 tune the run.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
bin=$top/${1:-build}/migtrain
[ -x "$bin" ] || { echo "no $bin: build first" >&2; exit 2; }
freeport() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
tmp=$(mktemp -d /tmp/migtrain-pdfbench.XXXXXX)
chmod 755 "$tmp"
srv=
cleanup() {
  [ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
  deploy/pg-cluster stop "$tmp/pg" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
conn=$(PG_THROWAWAY=1 deploy/pg-cluster start "$tmp/pg" "$(freeport)")
psql "$conn dbname=postgres" -qc "CREATE DATABASE bench"
port=$(freeport)
export MIGTRAIN_DB="$conn dbname=bench" MIGTRAIN_LISTEN=127.0.0.1:$port
export MIGTRAIN_KEY_FILE=$tmp/key MIGTRAIN_THREADS=${MIGTRAIN_THREADS:-2}
export MIGTRAIN_PUBLIC_URL=https://train.example.org
export MIGTRAIN_ISSUER_NAME="State Border Guard Training Centre"
"$bin" migrate >/dev/null
pw="bench-password-2026"
echo "$pw" | "$bin" create-user --email admin@bench.example --name "Žydrūnė Šalčiūtė" \
  --role admin --org "Bench Office" >/dev/null
"$bin" serve 2>"$tmp/server.log" &
srv=$!
api=http://127.0.0.1:$port/api/v1
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
tok=$(curl -fs -H 'Content-Type: application/json' \
  -d "{\"email\":\"admin@bench.example\",\"password\":\"$pw\"}" "$api/auth/login" | jq -r .token)
post() { curl -fs -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' -d "$2" "$api$1"; }
cid=$(post /courses '{"slug":"bench","title":"Schengen border checks: refusal of entry","audience":["all"],"published":true}' | jq .id)
mid=$(post "/courses/$cid/modules" '{"title":"Lesson","kind":"lesson","body_md":"Text."}' | jq .id)
post /enrollments "{\"course_id\":$cid}" >/dev/null
post "/modules/$mid/complete" '{}' >/dev/null
code=$(curl -fs -H "Authorization: Bearer $tok" "$api/enrollments" | jq -r '.items[0].certificate_code')
n=${N:-100}
for i in $(seq "$n"); do
  c=$(post /courses "{\"slug\":\"bench-$i\",\"title\":\"Course $i\",\"audience\":[\"all\"],\"published\":true}" | jq .id)
  m=$(post "/courses/$c/modules" '{"title":"Lesson","kind":"lesson","body_md":"Text."}' | jq .id)
  post /enrollments "{\"course_id\":$c}" >/dev/null
  post "/modules/$m/complete" '{}' >/dev/null
done
curl -fs -H "Authorization: Bearer $tok" "$api/enrollments?limit=200" | \
  jq -r '.items[].certificate_code' | grep -v "^$code\$" | head -n "$n" > "$tmp/codes"
start=$(date +%s.%N)
xargs -P2 -I{} curl -fs -o /dev/null "$api/certificates/{}/pdf" < "$tmp/codes"
secs=$(echo "$(date +%s.%N) - $start" | bc)
echo "== $n distinct PDFs drawn in $secs s: $(echo "scale=1; $n / $secs" | bc) PDFs/s"

size=$(curl -fs "$api/certificates/$code/pdf" | wc -c)
echo "== one PDF: $size bytes (code $code)"
for path in "certificates/$code" "certificates/$code/pdf"; do
  echo "== GET /api/v1/$path (${DURATION:-10s}, ${CONNS:-4} connections, $MIGTRAIN_THREADS workers)"
  wrk -t2 -c"${CONNS:-4}" -d"${DURATION:-10s}" --latency "$api/$path" | \
    grep -E "Requests/sec|Latency|50%|99%|Non-2xx"
done
post "/certificates/$code/revoke" '{"reason":"bench"}' >/dev/null
echo "== one revoked PDF: $(curl -fs "$api/certificates/$code/pdf" | wc -c) bytes"
