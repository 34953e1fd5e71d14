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
A=${A---batch-size-under-load 0}
B=${B-}
NAME=produce-ab
NO_BUILD=1
. "$ROOT/tests/Runnel.Benchmarks/silo-lib.sh"
start_silo
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
