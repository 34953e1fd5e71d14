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
NAME=partitions
. "$HERE/silo-lib.sh"
status_kib() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$SILO_PID/status"; }
build_unless_told_not_to
start_silo

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
