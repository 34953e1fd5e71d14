#!/usr/bin/env bash
# Topic administration on one silo (issue 16, grain state): a fresh runnel-silo on the file store, then
#   activate  a topic of PARTITIONS partitions, one record to each at once (`runnel bench activate`): seconds until all
#             are writable (every partition's activation reads its topic's metadata)
#   create    TOPICS topics of one partition, one `runnel topics create` each: median wall ms per command
#   list      `runnel topics list` with the big topic's segments in the store: median wall ms of 5
#   describe  `runnel topics describe` of a one-partition topic: median wall ms of 5
# Each command's wall time includes the CLI's start (an Orleans client, ~1-2 s): compare runs, not absolute figures.
#
# Run:   bash tests/Runnel.Benchmarks/topics.sh                 (about a minute)
# Env:   PARTITIONS (default 2000), TOPICS (default 10), MAX_S (default 120), NO_BUILD=1 skips the build,
#        SILO / CLI: the binaries to measure (default this tree's Release builds), KEEP=1 keeps the work directory.
# Every process started here is stopped by its PID; the work directory is removed at the end.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PARTITIONS=${PARTITIONS:-2000}
TOPICS=${TOPICS:-10}
MAX_S=${MAX_S:-120}
NAME=topics
[ -n "${SILO:-}" ] && NO_BUILD=1 # a given binary is measured as it is
. "$HERE/silo-lib.sh"
now_ms() { date +%s%3N; }
median() { python3 -c 'import statistics, sys; print(int(statistics.median(int(x) for x in sys.argv[1:])))' "$@"; }
timed() { local t0; t0=$(now_ms); "$@" > /dev/null; echo $(( $(now_ms) - t0 )); }
build_unless_told_not_to
start_silo

cli topics create many --partitions "$PARTITIONS" >&2
log "activate: one record to each of $PARTITIONS partitions"
activate=$(cli bench activate --topic many --json --max-seconds "$MAX_S" || true)

log "create: $TOPICS topics"
creates=()
for i in $(seq 1 "$TOPICS"); do creates+=("$(timed cli topics create "t$i" --partitions 1)"); done
log "list and describe, 5 each"
lists=(); describes=()
for _ in 1 2 3 4 5; do
  lists+=("$(timed cli topics list)")
  describes+=("$(timed cli topics describe t1)")
done
listed=$(cli topics list | wc -l)
[ "$listed" = $((TOPICS + 1)) ] || { echo "topics list printed $listed lines, expected $((TOPICS + 1))" >&2; exit 1; }

echo "| figure | value |"
echo "|---|---:|"
echo "| $PARTITIONS partitions writable (s) | $(echo "$activate" | json_field seconds) (ok=$(echo "$activate" | json_field ok)) |"
echo "| topics create, median of $TOPICS (ms) | $(median "${creates[@]}") |"
echo "| topics list, median of 5 (ms) | $(median "${lists[@]}") |"
echo "| topics describe, median of 5 (ms) | $(median "${describes[@]}") |"
