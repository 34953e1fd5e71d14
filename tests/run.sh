#!/usr/bin/env bash
# Runs Runnel's whole test suite on a fresh machine: installs what the tests need (Node.js/npm, chromium and
# kcat from Debian when absent, Azurite and kafkajs from the repo's package-lock.json), builds, runs every test project,
# and ends with one line "N passed, N failed[, N skipped]" carrying the real totals over all projects.
# Exit status: 0 only when every test project ran and no test failed.
#
#   bash tests/run.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Storage]
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

log() { printf '[tests] %s\n' "$*" >&2; }

# --- tools ---------------------------------------------------------------------------------------
if ! command -v npm >/dev/null 2>&1; then
    log "npm not found: installing nodejs and npm with apt-get"
    if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null \
        || { log "could not install npm"; echo "0 passed, 1 failed"; exit 1; }
fi
# Debian's chromium for the dashboard's browser test (tests/Runnel.Dashboard.Tests drives it with Playwright, whose
# own browser download cannot run here).
if [ ! -x /usr/bin/chromium ]; then
    log "chromium not found: installing it with apt-get"
    if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
        || { log "could not install chromium"; echo "0 passed, 1 failed"; exit 1; }
fi
# Debian's kcat for the Kafka listener's command-line interop tests (tests/Runnel.Kafka.Tests/CommandLineClientTests).
if ! command -v kcat >/dev/null 2>&1; then
    log "kcat not found: installing it with apt-get"
    if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kcat >/dev/null \
        || { log "could not install kcat"; echo "0 passed, 1 failed"; exit 1; }
fi
if [ ! -x node_modules/.bin/azurite-blob ] || [ ! -d node_modules/kafkajs ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing Azurite and kafkajs (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error >&2 || { log "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# --- build ---------------------------------------------------------------------------------------
log "building"
if ! dotnet build Platform.sln -c Release -nologo -v quiet -clp:ErrorsOnly; then
    log "build failed"
    echo "0 passed, 1 failed"
    exit 1
fi

# --- test ----------------------------------------------------------------------------------------
results="$root/TestResults/run-$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$results"
mapfile -t projects < <(find tests -name '*.Tests.csproj' | sort)
log "running ${#projects[@]} test projects"

dotnet test Platform.sln -c Release --no-build -nologo \
    --logger "trx;LogFilePrefix=results" --results-directory "$results" \
    --blame-hang-timeout 8m "$@"
test_rc=$?

# --- totals --------------------------------------------------------------------------------------
passed=0; failed=0; skipped=0; files=0
for trx in "$results"/*.trx; do
    [ -e "$trx" ] || continue
    files=$((files + 1))
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
    get() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
    p=$(get passed); f=$(get failed); e=$(get error); t=$(get timeout); a=$(get aborted); n=$(get notExecuted)
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0} + ${a:-0}))
    skipped=$((skipped + ${n:-0}))
done

rc=0
if [ "$files" -lt "${#projects[@]}" ]; then
    # A test host that crashed or hung writes no results file: count each missing project as a failure.
    missing=$(( ${#projects[@]} - files ))
    log "$missing test project(s) produced no results (crashed or hung test host)"
    failed=$((failed + missing))
fi
if [ "$failed" -gt 0 ] || [ "$test_rc" -ne 0 ]; then rc=1; fi
if [ "$test_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    log "dotnet test exited with $test_rc although no test failed"
    failed=1
fi

if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
exit $rc
