#!/usr/bin/env bash
# The dashboard's and the consumer-lag sampler's cost on one runnel-silo with TOPICS x PARTITIONS partitions:
#  - /api/cluster: the first snapshot (activates every partition), then REQUESTS uncached snapshots (> 1 s apart);
#  - the silo's idle CPU over WINDOW seconds with the lag sampler at LAG (e.g. 00:00:15, or 01:00:00 = no sample in
#    the window), nobody polling the dashboard.
# Needs Silo and Client built in Release. Prints one line of key=value figures.
#
#   LAG=00:00:15 bash tests/Runnel.Benchmarks/dashboard-cost.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOPICS=${TOPICS:-10} PARTITIONS=${PARTITIONS:-100} REQUESTS=${REQUESTS:-5} WINDOW=${WINDOW:-60} LAG=${LAG:-00:00:15}
port=${PORT:-17401}; http=$((port + 2))
work=$(mktemp -d /tmp/runnel-dashboard-cost.XXXXXX)
cli() { dotnet "$root/Client/bin/Release/net10.0/runnel.dll" -b "127.0.0.1:$port" "$@"; }
Runnel__LagSampleInterval=$LAG dotnet "$root/Silo/bin/Release/net10.0/runnel-silo.dll" --data-dir "$work/data" \
    --port "$port" --silo-port $((port + 1)) --http-port "$http" --kafka-port 0 >"$work/silo.log" 2>&1 &
silo=$!
trap 'kill $silo 2>/dev/null; wait $silo 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do grep -q " ready: " "$work/silo.log" && break; sleep 0.5; done
for t in $(seq 1 "$TOPICS"); do cli topics create "t$t" -p "$PARTITIONS" >/dev/null; done
printf 'a\nb\nc\n' | cli produce t1 >/dev/null 2>&1
cli consume t1 --group g1 --from-beginning --timeout 3 >/dev/null 2>&1 || true
ms() { local s e; s=$(date +%s%N); curl -sf "http://127.0.0.1:$http/api/cluster" >"$work/cluster.json"; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
cold=$(ms)
warm=()
for _ in $(seq 1 "$REQUESTS"); do sleep 1.1; warm+=("$(ms)"); done
cached_start=$(date +%s%N); curl -sf "http://127.0.0.1:$http/api/cluster" >/dev/null; curl -sf "http://127.0.0.1:$http/api/cluster" >/dev/null
cached=$(( ($(date +%s%N) - cached_start) / 2000000 ))
sampled=$(grep -o '"partitionsSampled":[0-9]*' "$work/cluster.json" | cut -d: -f2)
ticks() { awk '{print $14 + $15}' "/proc/$silo/stat"; }
sleep 2
t0=$(ticks); sleep "$WINDOW"; t1=$(ticks)
hz=$(getconf CLK_TCK)
sorted=$(printf '%s\n' "${warm[@]}" | sort -n | tr '\n' ' ')
echo "lag=$LAG partitions=$sampled cold_ms=$cold uncached_ms=[$sorted] cached_ms=$cached idle_cpu_s_per_min=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v w="$WINDOW" 'BEGIN{printf "%.2f", (b-a)/hz*60/w}') load=$(cut -d' ' -f1 /proc/loadavg)"
