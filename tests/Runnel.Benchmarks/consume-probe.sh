#!/usr/bin/env bash
# Catch-up consume on one fresh silo, three times, with each side's CPU: a quicker probe than compare.sh for work on
# the consume path (docs/benchmarks.md, "The consume path, fifth pass").
#
#   bash tests/Runnel.Benchmarks/consume-probe.sh LABEL [VAR=value ...]     (the silo runs with the given environment)
#
# A fresh runnel-silo on the file store (temp data dir, free ports), warmed up like compare.sh (100,000 × 1 KiB produced
# to and consumed from a topic of its own), then `bench produce -n 1000000` (1 KiB, --batch-size 262144, 8 partitions,
# 100,000 untimed first) and three times `bench consume -n 1000000 --warmup-records 100000` (catch-up from offset 0,
# page cache). Printed per consume: MB/s; the client's timed CPU-s per GB (the bench's cpu_s_per_gb) and its whole
# process's CPU-s (user+sys, start-up and JIT included); the silo's CPU-s per GB (user+sys from /proc/<pid>/stat over
# the command, 1.1 GB read with the warm-up). The first consume is the one compare.sh measures. Needs a Release build
# of Silo/ and Client/ and /usr/bin/time. The silo is stopped by its PID; the data directory removed.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LABEL=${1:?usage: consume-probe.sh LABEL [VAR=value ...]}; shift
. "$ROOT/tests/Runnel.Benchmarks/silo-probe-lib.sh"
start_warm_silo "$@"
produced=$(cli bench produce -t bench -n 1000000 -s 1024 --batch-size 262144 --warmup-records 100000 --max-seconds 30 --json)
line="$LABEL produce_MBps=$(echo "$produced" | field mb_per_sec)"
for _ in 1 2 3; do
  before=$(cpu)
  consumed=$(/usr/bin/time -f "%U %S" -o "$WORK/time" timeout 120 "$CLI" --bootstrap "127.0.0.1:$PORT" --cluster-id probe \
    bench consume -t bench -n 1000000 --warmup-records 100000 --max-seconds 30 --json)
  after=$(cpu)
  line="$line | MBps=$(echo "$consumed" | field mb_per_sec) cli_timed_gb=$(echo "$consumed" | field cpu_s_per_gb)"
  line="$line cli_process_s=$(awk '{print $1+$2}' "$WORK/time") silo_gb=$(python3 -c "print(round(($after-$before)/1.126,2))")"
done
echo "$line"
