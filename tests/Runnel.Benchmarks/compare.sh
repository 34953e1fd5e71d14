#!/usr/bin/env bash
# Runnel side by side with the disk and Redis Streams (appendfsync always), in one run, REPS times; prints a table of
# medians and the ratios of issue #9's targets.
#
# Run:   bash tests/Runnel.Benchmarks/compare.sh [REPS]          (REPS default 3; about 1 minute per rep on a quiet machine)
# Env:   RECORDS (default 1000000; 400,000 made a ~2 s produce run that start-up dominated) records per produce and
#        consume run, 1 KiB each, the same count for Redis and Runnel; MAX_S (default 30) time cap per run;
#        the producer's and consumer's DEFAULT options unless told otherwise: BATCH_SIZE (default unset: the producer's
#        own 16 KiB) the producer's batch size; WARMUP (default 0) records each Runnel client process produces or
#        consumes untimed first (and a fresh silo gets a warm-up topic); TUNED=1 is BATCH_SIZE=262144 WARMUP=100000,
#        the tuned run that may stand beside the default one; NO_BUILD=1 skips the build; KEEP=1 keeps the work
#        directory (logs, results.tsv); SEGMENT_READS=1 gives the consume the silo's data directory (--data-dir:
#        sealed segments read straight from the file store, RunnelConnectionOptions.SegmentStore).
# Needs: dotnet SDK, python3, gcc; redis-server, redis-benchmark, libhiredis-dev and fio (apt-get installs them when
#        absent and we are root).
#
# Per rep, back to back on the same disk (/tmp):
#   disk    fio: 1 MiB write + fdatasync each, 10 s (the "ack = on disk" ceiling at 1 MiB per sync)
#   redis   a fresh redis-server (127.0.0.1, AOF on, appendfsync always, RDB off):
#           produce: redis-benchmark -c 8 -P 64 XADD of 1 KiB values (512 in flight)
#           consume: XREADGROUP COUNT 1000 + one XACK per batch (peers/redis_group_read.c)
#   runnel  a fresh runnel-silo on the file store (temp data dir, free ports), topic with 8 partitions:
#           runnel bench produce (1 KiB records, the producer's defaults, or --batch-size BATCH_SIZE)
#           runnel bench consume (catch-up from offset 0 of all 8 partitions; the data is in the page cache)
#   latency at a rate both sustain: H = half of this rep's Redis produce msgs/s; runnel bench produce --rate H, 10 s,
#           p99 from scheduled time, and redis at H over 8 connections, like the throughput run (peers/redis_rate.c),
#           same measure; and runnel at 30 % of the disk's MB/s in 1 KiB records (target p99 <= 10 ms). Each runnel
#           latency run first produces LATENCY_WARMUP_S (default 1) seconds' worth of records untimed: steady state.
# Every process started here is stopped by its PID; the work directory is removed at the end.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
REPS=${1:-3}
RECORDS=${RECORDS:-1000000}
MAX_S=${MAX_S:-30}
if [ "${TUNED:-0}" = 1 ]; then BATCH_SIZE=${BATCH_SIZE:-262144}; WARMUP=${WARMUP:-100000}; fi
BATCH_SIZE=${BATCH_SIZE:-}
WARMUP=${WARMUP:-0}
BATCH_ARGS=(); [ -n "$BATCH_SIZE" ] && BATCH_ARGS=(--batch-size "$BATCH_SIZE")
RATE_SECONDS=10
LATENCY_WARMUP_S=${LATENCY_WARMUP_S:-1}
WORK=$(mktemp -d /tmp/runnel-compare.XXXXXX)
RESULTS=$WORK/results.tsv
: > "$RESULTS"
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

log() { echo "[$(date +%T)] $*" >&2; }
row() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$RESULTS"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json_field() { # the field of the last line's JSON object, or nan when the run printed none
  python3 -c '
import json, sys
try:
    print(json.loads(sys.stdin.read().strip().splitlines()[-1])[sys.argv[1]])
except Exception:
    print("nan")' "$1"
}
kv_field() { tr ' ' '\n' | sed -n "s/^$1=//p"; }
stop() { # pid: SIGTERM, wait, forget
  kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true
  local kept=(); for p in "${PIDS[@]}"; do [ "$p" != "$1" ] && kept+=("$p"); done; PIDS=("${kept[@]+"${kept[@]}"}")
}

# ---- tools
need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v redis-benchmark >/dev/null || need+=(redis-tools)
command -v fio >/dev/null || need+=(fio)
[ -f /usr/include/hiredis/hiredis.h ] || need+=(libhiredis-dev)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  apt-get install -y -qq "${need[@]}" > "$WORK/apt.log" 2>&1 || { apt-get update -qq && apt-get install -y -qq "${need[@]}" >> "$WORK/apt.log" 2>&1; }
fi
gcc -O2 -pthread -o "$WORK/redis_rate" "$HERE/peers/redis_rate.c" -lhiredis
gcc -O2 -o "$WORK/redis_group_read" "$HERE/peers/redis_group_read.c" -lhiredis
if [ "${NO_BUILD:-0}" != 1 ]; then
  log "building runnel-silo and runnel (Release)"
  dotnet build "$ROOT/Silo/Silo.csproj" -c Release > "$WORK/build.log" 2>&1
  dotnet build "$ROOT/Client/Client.csproj" -c Release >> "$WORK/build.log" 2>&1
fi
SILO="$ROOT/Silo/bin/Release/net10.0/runnel-silo"
CLI="$ROOT/Client/bin/Release/net10.0/runnel"
PAYLOAD=$(head -c 1024 /dev/zero | tr '\0' x)

# ---- one run of each
disk() { # rep
  local f="$WORK/fio.dat"
  local mbps
  mbps=$(fio --output-format=json --name=fds1m --filename="$f" --ioengine=psync --fallocate=none --rw=write --bs=1M --size=4G \
      --fdatasync=1 --runtime=10 --time_based=0 | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"][0]["write"]["bw_bytes"]/1e6)')
  rm -f "$f"
  row "disk fdatasync 1MiB MB/s" "$1" "$mbps"
  DISK_RATE=$(python3 -c "m = float('$mbps' or 'nan'); print(int(m * 0.3 * 1e6 / 1024) if m == m else 1000)")
  log "disk: $mbps MB/s"
}

REDIS_PID=""; REDIS_PORT=""
start_redis() {
  REDIS_PORT=$(free_port)
  rm -rf "$WORK/redis"; mkdir -p "$WORK/redis"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --protected-mode yes --dir "$WORK/redis" --appendonly yes \
    --appendfsync always --save '' --auto-aof-rewrite-percentage 0 --daemonize no --logfile "$WORK/redis/redis.log" &
  REDIS_PID=$!; PIDS+=("$REDIS_PID")
  for _ in $(seq 1 100); do redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && return 0; sleep 0.1; done
  log "redis did not start"; return 1
}
stop_redis() { stop "$REDIS_PID"; REDIS_PID=""; rm -rf "$WORK/redis"; }

redis_throughput() { # rep
  start_redis
  local csv rps
  csv=$(timeout $((MAX_S + 30)) redis-benchmark -h 127.0.0.1 -p "$REDIS_PORT" -c 8 -P 64 -n "$RECORDS" --csv XADD s '*' f "$PAYLOAD" | tail -1)
  rps=$(echo "$csv" | cut -d, -f2 | tr -d '"')
  row "redis produce msgs/s" "$1" "$rps"
  REDIS_HALF=$(python3 -c "r = float('$rps' or 'nan'); print(int(r / 2) if r == r else 1000)")
  local out; out=$("$WORK/redis_group_read" "$REDIS_PORT" "$RECORDS" "$MAX_S")
  row "redis consume msgs/s" "$1" "$(echo "$out" | kv_field msgs_per_sec)"
  row "redis consume MB/s" "$1" "$(echo "$out" | kv_field mb_per_sec)"
  log "redis: produce $rps msgs/s; consume $out"
  stop_redis
}

redis_latency() { # rep rate
  start_redis
  local out; out=$("$WORK/redis_rate" "$REDIS_PORT" "$2" "$RATE_SECONDS" 1024 8 || true)
  row "redis p50 at redis half us" "$1" "$(echo "$out" | kv_field p50_us)"
  row "redis p99 at redis half us" "$1" "$(echo "$out" | kv_field p99_us)"
  log "redis at $2/s: $out"
  stop_redis
}

SILO_PID=""; SILO_PORT=""
start_silo() {
  SILO_PORT=$(free_port); local peer http; peer=$(free_port); http=$(free_port)
  rm -rf "$WORK/silo"; mkdir -p "$WORK/silo/cwd"
  # The data directory is kept out of the silo's working directory (its content root, which the host watches).
  (cd "$WORK/silo/cwd" && exec "$SILO" --data-dir "$WORK/silo/data" --port "$SILO_PORT" --silo-port "$peer" --http-port "$http" --kafka-port 0 --cluster compare) > "$WORK/silo.log" 2>&1 &
  SILO_PID=$!; PIDS+=("$SILO_PID")
  for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$http/readyz" >/dev/null 2>&1 && return 0; sleep 0.1; done
  log "runnel-silo did not become ready (see $WORK/silo.log)"; return 1
}
stop_silo() { stop "$SILO_PID"; SILO_PID=""; rm -rf "$WORK/silo"; }
cli() { "$CLI" --bootstrap "127.0.0.1:$SILO_PORT" --cluster-id compare "$@"; }

REDIS_HALF=""
DISK_RATE=""
runnel_latency() { # rep rate label
  local out
  # Steady state: the client process first produces LATENCY_WARMUP_S seconds' worth of records untimed (JIT, the
  # connection, the partitions' activation: measured cold, those put a one-off ~0.6 s stall into the p99 of a 10 s run).
  out=$(cli bench produce -t bench -n $(($2 * RATE_SECONDS)) -s 1024 "${BATCH_ARGS[@]}" --rate "$2" --warmup-records $(($2 * LATENCY_WARMUP_S)) --max-seconds $((RATE_SECONDS + LATENCY_WARMUP_S + 20)) --json || true)
  row "runnel p50 at $3 us" "$1" "$(python3 -c "print(float('$(echo "$out" | json_field p50_ms)') * 1000)")"
  row "runnel p99 at $3 us" "$1" "$(python3 -c "print(float('$(echo "$out" | json_field p99_ms)') * 1000)")"
  log "runnel at $2/s ($3): $(echo "$out" | tail -1)"
}

runnel_throughput() { # rep
  start_silo
  cli topics create bench -p 8 > /dev/null
  cli topics create warmup -p 8 > /dev/null
  # Unrecorded warm-up of the fresh silo (JIT tiers, thread pool, page cache), as disk.sh warms up before it times.
  if [ "$WARMUP" -gt 0 ]; then
    cli bench produce -t warmup -n "$WARMUP" -s 1024 "${BATCH_ARGS[@]}" --max-seconds "$MAX_S" --json > /dev/null || true
    cli bench consume -t warmup -n "$WARMUP" --max-seconds "$MAX_S" --json > /dev/null || true
  fi
  local out rps mbps acked
  out=$(cli bench produce -t bench -n "$RECORDS" -s 1024 "${BATCH_ARGS[@]}" --warmup-records "$WARMUP" --max-seconds "$MAX_S" --json || true)
  rps=$(echo "$out" | json_field records_per_sec); mbps=$(echo "$out" | json_field mb_per_sec); acked=$(echo "$out" | json_field records)
  row "runnel produce msgs/s" "$1" "$rps"
  row "runnel produce MB/s" "$1" "$mbps"
  log "runnel produce: $(echo "$out" | tail -1)"
  local direct=(); [ "${SEGMENT_READS:-0}" = 1 ] && direct=(--data-dir "$WORK/silo/data")
  out=$(cli "${direct[@]+"${direct[@]}"}" bench consume -t bench -n "$acked" --warmup-records "$WARMUP" --max-seconds "$MAX_S" --json || true)
  row "runnel consume msgs/s" "$1" "$(echo "$out" | json_field records_per_sec)"
  row "runnel consume MB/s" "$1" "$(echo "$out" | json_field mb_per_sec)"
  log "runnel consume: $(echo "$out" | tail -1)"
  runnel_latency "$1" "$REDIS_HALF" "redis half"
  runnel_latency "$1" "$DISK_RATE" "30% disk"
  row "redis half msgs/s" "$1" "$REDIS_HALF"
  row "30% disk msgs/s" "$1" "$DISK_RATE"
  stop_silo
}

log "load before: $(cut -d' ' -f1-3 /proc/loadavg); work dir $WORK; batch size ${BATCH_SIZE:-default}, warm-up $WARMUP"
for rep in $(seq 1 "$REPS"); do
  log "== rep $rep/$REPS"
  disk "$rep"
  redis_throughput "$rep"
  runnel_throughput "$rep"
  redis_latency "$rep" "$REDIS_HALF"
done
log "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$RESULTS" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'EOF'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, rep, value = line.rstrip("\n").split("\t")
    try:
        number = float(value)
    except ValueError:
        continue
    if number == number:  # a failed run leaves nan: left out of the median
        rows[name].append(number)
med = {k: statistics.median(v) for k, v in rows.items() if v}
def m(k): return med.get(k, float("nan"))
def runs(k): return " / ".join(f"{v:,.0f}" if v >= 100 else f"{v:,.1f}" for v in rows.get(k, []))
print("\n| figure | median | runs |\n|---|---:|---|")
for k in ["disk fdatasync 1MiB MB/s", "redis produce msgs/s", "runnel produce msgs/s", "runnel produce MB/s",
          "redis consume msgs/s", "redis consume MB/s", "runnel consume msgs/s", "runnel consume MB/s",
          "redis half msgs/s", "runnel p50 at redis half us", "runnel p99 at redis half us",
          "redis p50 at redis half us", "redis p99 at redis half us",
          "30% disk msgs/s", "runnel p50 at 30% disk us", "runnel p99 at 30% disk us"]:
    v = m(k)
    print(f"| {k} | {v:,.1f} | {runs(k)} |")
checks = [
    ("produce msgs/s vs Redis always", m("runnel produce msgs/s") / m("redis produce msgs/s"), ">= 2.0", lambda r: r >= 2.0),
    ("produce MB/s vs disk fdatasync/MiB", m("runnel produce MB/s") / m("disk fdatasync 1MiB MB/s"), ">= 0.85", lambda r: r >= 0.85),
    ("consume MB/s (GB/s)", m("runnel consume MB/s") / 1000, ">= 1.0", lambda r: r >= 1.0),
    ("consume msgs/s vs Redis XREADGROUP", m("runnel consume msgs/s") / m("redis consume msgs/s"), ">= 3.0", lambda r: r >= 3.0),
    ("p99 at half Redis's peak: Runnel / Redis", m("runnel p99 at redis half us") / m("redis p99 at redis half us"), "<= 1.0", lambda r: r <= 1.0),
    ("p99 at 30% of the disk (ms)", m("runnel p99 at 30% disk us") / 1000, "<= 10", lambda r: r <= 10),
]
print("\n| target | ratio (medians) | goal | met |\n|---|---:|---|---|")
for name, ratio, goal, ok in checks:
    print(f"| {name} | {ratio:.2f} | {goal} | {'yes' if ok(ratio) else 'no'} |")
print(f"\nload average at the end: {sys.argv[2]}")
EOF
