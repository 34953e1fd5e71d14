#!/usr/bin/env bash
# Producer options side by side on ONE fresh runnel-silo (file store, temp data dir, free ports): `runnel bench produce`
# of N records of 1 KiB to a fresh topic of P partitions per run, alternating the argument sets given in A and B, ROUNDS
# times; prints each run's JSON line prefixed by its set. Builds nothing: run `dotnet build Silo/Silo.csproj -c Release`
# and `dotnet build Client/Client.csproj -c Release` first.
#
# Run:   bash tests/Runnel.Benchmarks/produce-ab.sh
# Env:   A (default "--batch-size-under-load 0": fixed 16 KiB batches), B (default "": the producer's defaults),
#        N (default 400000), P (default 8), ROUNDS (default 2), EXTRA (arguments for both, e.g. "--rate 50000").
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SILO=$ROOT/Silo/bin/Release/net10.0/runnel-silo
CLI=$ROOT/Client/bin/Release/net10.0/runnel
A=${A---batch-size-under-load 0}
B=${B-}
WORK=$(mktemp -d /tmp/runnel-produce-ab.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port); PEER=$(free_port); HTTP=$(free_port)
mkdir -p "$WORK/cwd"
(cd "$WORK/cwd" && exec "$SILO" --data-dir "$WORK/data" --port "$PORT" --silo-port "$PEER" --http-port "$HTTP" --kafka-port 0 --cluster ab) > "$WORK/silo.log" 2>&1 &
SILO_PID=$!
trap 'kill $SILO_PID 2>/dev/null; wait $SILO_PID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$HTTP/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
cli() { timeout 120 "$CLI" --bootstrap "127.0.0.1:$PORT" --cluster-id ab "$@"; }
run=0
for _ in $(seq 1 "${ROUNDS:-2}"); do
  for set in A B; do
    run=$((run + 1))
    cli topics create "t$run" -p "${P:-8}" > /dev/null
    # shellcheck disable=SC2086 # the sets are argument lists
    out=$(cli bench produce -t "t$run" -n "${N:-400000}" -s 1024 ${!set} ${EXTRA:-} --max-seconds 60 --json | tail -1)
    echo "$set [${!set}] $out"
  done
done
