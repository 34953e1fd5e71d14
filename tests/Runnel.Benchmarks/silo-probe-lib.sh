# Sourced by silo-ab.sh and consume-probe.sh: one fresh runnel-silo on the file store (temp data dir, free ports),
# started with the environment given as arguments, warmed up like compare.sh (100,000 × 1 KiB produced to and consumed
# from a topic of its own) with an empty topic "bench" of 8 partitions; helpers for the probes. Stopped by its PID and
# its directory removed on exit. Expects ROOT; sets SILO_PID, PORT, WORK, CLI.
SILO="$ROOT/Silo/bin/Release/net10.0/runnel-silo"
CLI="$ROOT/Client/bin/Release/net10.0/runnel"
WORK=$(mktemp -d /tmp/runnel-silo-probe.XXXXXX)
SILO_PID=""
cleanup() { [ -n "$SILO_PID" ] && { kill "$SILO_PID" 2>/dev/null; wait "$SILO_PID" 2>/dev/null; }; rm -rf "$WORK"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cli() { timeout 120 "$CLI" --bootstrap "127.0.0.1:$PORT" --cluster-id probe "$@"; }
# user+sys CPU seconds of the silo so far
cpu() { awk '{print ($14+$15)/100}' "/proc/$SILO_PID/stat"; }
# a field of the JSON on stdin's last line ("nan" when missing)
field() { python3 -c 'import json,sys
try: print(json.loads(sys.stdin.read().strip().splitlines()[-1])[sys.argv[1]])
except Exception: print("nan")' "$1"; }

start_warm_silo() {
  PORT=$(free_port); local peer http; peer=$(free_port); http=$(free_port)
  mkdir -p "$WORK/cwd"
  (cd "$WORK/cwd" && exec env "$@" "$SILO" --data-dir "$WORK/data" --port "$PORT" --silo-port "$peer" --http-port "$http" --kafka-port 0 --cluster probe) > "$WORK/silo.log" 2>&1 &
  SILO_PID=$!
  for _ in $(seq 1 100); do cli topics list > /dev/null 2>&1 && break; sleep 0.3; done
  cli topics create bench -p 8 > /dev/null; cli topics create warmup -p 8 > /dev/null
  cli bench produce -t warmup -n 100000 -s 1024 --batch-size 262144 --max-seconds 30 --json > /dev/null
  cli bench consume -t warmup -n 100000 --max-seconds 30 --json > /dev/null
}
