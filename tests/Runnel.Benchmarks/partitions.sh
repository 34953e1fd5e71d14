#!/usr/bin/env bash
# Many partitions on one silo (issue "Runnel on Microsoft Orleans", target "Many partitions"): a fresh runnel-silo on
# the file store, a topic of PARTITIONS partitions and one of 8, in one run:
#   activate  one record to every partition at once (`runnel bench activate`): seconds until all are writable
#   keyed     `runnel bench produce --keys KEYS` (RECORDS records of 100 B, distinct keys in turn, default producer
#             options) to the 8-partition topic, then to the many-partition topic: records/s of each and their ratio
#   memory    the silo's resident set (VmRSS) and its peak (VmHWM) after both
# Targets: all partitions writable within 10 s; keyed produce across them >= 50% of the 8-partition rate; silo <= 1 GiB.
#
# Run:   bash tests/Runnel.Benchmarks/partitions.sh          (about a minute)
# Env:   PARTITIONS (default 10000), RECORDS (default 200000), KEYS (default 100000), MAX_S (default 120) per run,
#        NO_BUILD=1 skips the build, KEEP=1 keeps the work directory (silo log).
# Every process started here is stopped by its PID; the work directory is removed at the end.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PARTITIONS=${PARTITIONS:-10000}
RECORDS=${RECORDS:-200000}
KEYS=${KEYS:-100000}
MAX_S=${MAX_S:-120}
WORK=$(mktemp -d /tmp/runnel-partitions.XXXXXX)
SILO_PID=""

cleanup() {
  if [ -n "$SILO_PID" ]; then kill "$SILO_PID" 2>/dev/null || true; wait "$SILO_PID" 2>/dev/null || true; fi
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

log() { echo "[$(date +%T)] $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json_field() { python3 -c '
import json, sys
try:
    print(json.loads(sys.stdin.read().strip().splitlines()[-1])[sys.argv[1]])
except Exception:
    print("nan")' "$1"; }
status_kib() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$SILO_PID/status"; }

if [ "${NO_BUILD:-0}" != 1 ]; then
  log "building runnel-silo and runnel (Release)"
  dotnet build "$ROOT/Silo/Silo.csproj" -c Release > "$WORK/build.log" 2>&1
  dotnet build "$ROOT/Client/Client.csproj" -c Release >> "$WORK/build.log" 2>&1
fi
SILO="$ROOT/Silo/bin/Release/net10.0/runnel-silo"
CLI="$ROOT/Client/bin/Release/net10.0/runnel"

PORT=$(free_port); SILO_PORT=$(free_port); HTTP=$(free_port)
mkdir -p "$WORK/cwd"
(cd "$WORK/cwd" && exec "$SILO" --data-dir "$WORK/data" --port "$PORT" --silo-port "$SILO_PORT" --http-port "$HTTP" --kafka-port 0 --cluster partitions) > "$WORK/silo.log" 2>&1 &
SILO_PID=$!
for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$HTTP/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
cli() { "$CLI" --bootstrap "127.0.0.1:$PORT" --cluster-id partitions "$@"; }

cli topics create few --partitions 8 >&2
cli topics create many --partitions "$PARTITIONS" >&2
log "activate: one record to each of $PARTITIONS partitions"
activate=$(cli bench activate --topic many --json --max-seconds "$MAX_S" || true)
log "keyed produce: $RECORDS records over $KEYS keys to 8 partitions"
few=$(cli bench produce --topic few --records "$RECORDS" --keys "$KEYS" --json --max-seconds "$MAX_S" || true)
log "keyed produce: $RECORDS records over $KEYS keys to $PARTITIONS partitions"
many=$(cli bench produce --topic many --records "$RECORDS" --keys "$KEYS" --json --max-seconds "$MAX_S" || true)
rss=$(status_kib VmRSS); hwm=$(status_kib VmHWM)

python3 - "$PARTITIONS" "$(echo "$activate" | json_field seconds)" "$(echo "$activate" | json_field ok)" \
  "$(echo "$few" | json_field records_per_sec)" "$(echo "$few" | json_field ok)" \
  "$(echo "$many" | json_field records_per_sec)" "$(echo "$many" | json_field ok)" \
  "$(echo "$many" | json_field p99_ms)" "$rss" "$hwm" <<'EOF'
import sys
n, act_s, act_ok, few, few_ok, many, many_ok, p99, rss, hwm = sys.argv[1:]
f = lambda x: float(x) if x not in ("nan", "") else float("nan")
ratio = f(many) / f(few) if f(few) > 0 else float("nan")
print(f"| figure | value | target |")
print(f"|---|---:|---|")
print(f"| partitions on one silo | {n} | 10,000 |")
print(f"| all partitions writable (s) | {f(act_s):.2f} (ok={act_ok}) | <= 10 |")
print(f"| keyed produce, 8 partitions (records/s) | {f(few):.0f} (ok={few_ok}) | |")
print(f"| keyed produce, {n} partitions (records/s) | {f(many):.0f} (ok={many_ok}), ack p99 {f(p99):.0f} ms | |")
print(f"| ratio many / 8 | {ratio:.2f} | >= 0.50 |")
print(f"| silo RSS after / peak (MiB) | {int(rss)/1024:.0f} / {int(hwm)/1024:.0f} | <= 1024 |")
EOF
