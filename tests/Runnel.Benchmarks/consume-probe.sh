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
SILO="$ROOT/Silo/bin/Release/net10.0/runnel-silo"
CLI="$ROOT/Client/bin/Release/net10.0/runnel"
WORK=$(mktemp -d /tmp/runnel-consume-probe.XXXXXX)
SILO_PID=""
cleanup() { [ -n "$SILO_PID" ] && { kill "$SILO_PID" 2>/dev/null; wait "$SILO_PID" 2>/dev/null; }; rm -rf "$WORK"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port); HTTP=$(free_port)
mkdir -p "$WORK/cwd"
(cd "$WORK/cwd" && exec env "$@" "$SILO" --data-dir "$WORK/data" --port "$PORT" --http-port "$HTTP" --cluster probe) > "$WORK/silo.log" 2>&1 &
SILO_PID=$!
cli() { timeout 120 "$CLI" --bootstrap "127.0.0.1:$PORT" --cluster-id probe "$@"; }
for _ in $(seq 1 100); do cli topics list > /dev/null 2>&1 && break; sleep 0.3; done
cpu() { awk '{print ($14+$15)/100}' "/proc/$SILO_PID/stat"; }
field() { python3 -c 'import json,sys
try: print(json.loads(sys.stdin.read().strip().splitlines()[-1])[sys.argv[1]])
except Exception: print("nan")' "$1"; }
cli topics create bench -p 8 > /dev/null; cli topics create warmup -p 8 > /dev/null
cli bench produce -t warmup -n 100000 -s 1024 --batch-size 262144 --max-seconds 30 --json > /dev/null
cli bench consume -t warmup -n 100000 --max-seconds 30 --json > /dev/null
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
