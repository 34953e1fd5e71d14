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
SILO="$ROOT/Silo/bin/Release/net10.0/runnel-silo"
CLI="$ROOT/Client/bin/Release/net10.0/runnel"
WORK=$(mktemp -d /tmp/runnel-silo-ab.XXXXXX)
SILO_PID=""
cleanup() { [ -n "$SILO_PID" ] && { kill "$SILO_PID" 2>/dev/null; wait "$SILO_PID" 2>/dev/null; }; rm -rf "$WORK"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port); HTTP=$(free_port)
mkdir -p "$WORK/cwd"
(cd "$WORK/cwd" && exec env "$@" "$SILO" --data-dir "$WORK/data" --port "$PORT" --http-port "$HTTP" --cluster ab) > "$WORK/silo.log" 2>&1 &
SILO_PID=$!
cli() { timeout 120 "$CLI" --bootstrap "127.0.0.1:$PORT" --cluster-id ab "$@"; }
for _ in $(seq 1 100); do cli topics list > /dev/null 2>&1 && break; sleep 0.3; done
cpu() { awk '{print ($14+$15)/100}' "/proc/$SILO_PID/stat"; }
field() { python3 -c 'import json,sys
try: print(json.loads(sys.stdin.read().strip().splitlines()[-1])[sys.argv[1]])
except Exception: print("nan")' "$1"; }
cli topics create bench -p 8 > /dev/null; cli topics create warmup -p 8 > /dev/null
cli bench produce -t warmup -n 100000 -s 1024 --batch-size 262144 --max-seconds 30 --json > /dev/null
cli bench consume -t warmup -n 100000 --max-seconds 30 --json > /dev/null
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
