# Sourced by the one-silo benchmark scripts (partitions.sh, topics.sh, produce-ab.sh, silo-probe-lib.sh): a fresh
# runnel-silo on the file store in a temporary work directory, on free loopback ports; the silo is stopped by its PID
# and the directory removed on exit (KEEP=1 keeps it, with the silo's log). Expects ROOT; NAME names the work directory
# and the cluster. Sets WORK, SILO, CLI, PORT, HTTP, SILO_PID.
NAME=${NAME:-bench}
WORK=$(mktemp -d "/tmp/runnel-$NAME.XXXXXX")
SILO=${SILO:-"$ROOT/Silo/bin/Release/net10.0/runnel-silo"}
CLI=${CLI:-"$ROOT/Client/bin/Release/net10.0/runnel"}
SILO_PID=""

stop_silo() {
  if [ -n "$SILO_PID" ]; then kill "$SILO_PID" 2>/dev/null || true; wait "$SILO_PID" 2>/dev/null || true; SILO_PID=""; fi
}
cleanup() {
  stop_silo
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

log() { echo "[$(date +%T)] $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# a field of the JSON object on stdin's last line ("nan" when there is none)
json_field() { python3 -c '
import json, sys
try:
    print(json.loads(sys.stdin.read().strip().splitlines()[-1])[sys.argv[1]])
except Exception:
    print("nan")' "$1"; }
cli() { timeout "${CLI_TIMEOUT:-600}" "$CLI" --bootstrap "127.0.0.1:$PORT" --cluster-id "$NAME" "$@"; }

# Builds the silo and the CLI (Release) unless NO_BUILD=1.
build_unless_told_not_to() {
  if [ "${NO_BUILD:-0}" != 1 ]; then
    log "building runnel-silo and runnel (Release)"
    dotnet build "$ROOT/Silo/Silo.csproj" -c Release > "$WORK/build.log" 2>&1
    dotnet build "$ROOT/Client/Client.csproj" -c Release >> "$WORK/build.log" 2>&1
  fi
}

# Starts the silo (arguments: environment assignments for it, e.g. DOTNET_gcServer=1) and waits until it is ready.
start_silo() {
  PORT=$(free_port); local peer; peer=$(free_port); HTTP=$(free_port)
  mkdir -p "$WORK/cwd"
  # The data directory is kept out of the silo's working directory (its content root, which the host watches).
  (cd "$WORK/cwd" && exec env "$@" "$SILO" --data-dir "$WORK/data" --port "$PORT" --silo-port "$peer" --http-port "$HTTP" --kafka-port 0 --cluster "$NAME") > "$WORK/silo.log" 2>&1 &
  SILO_PID=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$HTTP/readyz" > /dev/null 2>&1 && return 0; sleep 0.1; done
  log "runnel-silo did not become ready (see $WORK/silo.log)"; return 1
}
