#!/usr/bin/env bash
# One A/B sample of a silo setting: a fresh runnel-silo (file store, temp data dir, free ports) started with the given
# environment, then produce + consume on it, printing one line of figures. Alternate two labels to compare settings:
#
#   for i in 1 2 3; do bash tests/Runnel.Benchmarks/silo-ab.sh server DOTNET_gcServer=1
#                      bash tests/Runnel.Benchmarks/silo-ab.sh wks DOTNET_gcServer=0; done
#
# Per sample: a warm-up topic (100,000 × 1 KiB produced and consumed), then on a topic of 8 partitions
# `bench produce -n 400000 --warmup-records 100000` (1 KiB, --batch-size 262144) and three times
# `bench consume -n 400000 --warmup-records 100000` (catch-up from offset 0, page cache). Printed: produce MB/s and the
# silo's CPU-s over the produce command; per consume, MB/s and the client's timed CPU-s per GB (the bench's own
# cpu_s_per_gb) and the silo's CPU-s per GB (user+sys from /proc/<pid>/stat over the command, 0.512 GB read with the
# warm-up). Needs a Release build of Silo/ and Client/. The silo is stopped by its PID; the data directory removed.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LABEL=${1:?usage: silo-ab.sh LABEL [VAR=value ...]}; shift
. "$ROOT/tests/Runnel.Benchmarks/silo-probe-lib.sh"
start_warm_silo "$@"
before=$(cpu)
produced=$(cli bench produce -t bench -n 400000 -s 1024 --batch-size 262144 --warmup-records 100000 --max-seconds 30 --json)
after=$(cpu)
line="$LABEL produce_MBps=$(echo "$produced" | field mb_per_sec) silo_prod_cpu=$(python3 -c "print(round($after-$before,2))")"
for _ in 1 2 3; do
  before=$(cpu)
  consumed=$(cli bench consume -t bench -n 400000 --warmup-records 100000 --max-seconds 30 --json)
  after=$(cpu)
  line="$line | MBps=$(echo "$consumed" | field mb_per_sec) cli_cpu_gb=$(echo "$consumed" | field cpu_s_per_gb) silo_cpu_gb=$(python3 -c "print(round(($after-$before)/0.512,2))")"
done
echo "$line"
