# Sourced by silo-ab.sh and consume-probe.sh: one fresh runnel-silo (silo-lib.sh) started with the environment given as
# arguments, warmed up like compare.sh (100,000 × 1 KiB produced to and consumed from a topic of its own) with an empty
# topic "bench" of 8 partitions; helpers for the probes. Expects ROOT; sets SILO_PID, PORT, WORK, CLI.
NAME=probe
. "$ROOT/tests/Runnel.Benchmarks/silo-lib.sh"
CLI_TIMEOUT=120
# user+sys CPU seconds of the silo so far
cpu() { awk '{print ($14+$15)/100}' "/proc/$SILO_PID/stat"; }
# a field of the JSON on stdin's last line ("nan" when missing)
field() { json_field "$1"; }

start_warm_silo() {
  start_silo "$@"
  cli topics create bench -p 8 > /dev/null; cli topics create warmup -p 8 > /dev/null
  cli bench produce -t warmup -n 100000 -s 1024 --batch-size 262144 --max-seconds 30 --json > /dev/null
  cli bench consume -t warmup -n 100000 --max-seconds 30 --json > /dev/null
}
