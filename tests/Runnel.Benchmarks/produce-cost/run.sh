#!/usr/bin/env bash
# Where produce's cost goes, in one run: a fresh runnel-silo on the file store (temp dir under /tmp, free ports,
# 127.0.0.1), a warm-up topic (WARMUP records, default 100,000), then `runnel bench produce` of N x 1 KiB records (after
# 100,000 untimed) to 8 partitions. A young silo is still compiling its hot methods (tiered JIT): WARMUP=1000000 measures
# the steady state of a long-lived silo, the default includes some of that JIT.
# Prints: the client's JSON line and its whole-process CPU (wait4), the silo's CPU over the measured command
# (/proc/<pid>/stat), the storage appends made (= fdatasyncs; block counts read from every append blob's head slot by
# blocks.py) per MiB and the average block, silo CPU-s per GB, then the disk's 1 MiB write + fdatasync MB/s (fio, 5 s)
# in the same minute. PERF=1 also records perf samples of silo and client (perf-by-syscall.sh DIR summarises the
# silo's by syscall). SILO_ENV="VAR=value ..." sets the silo's environment (e.g. DOTNET_ runtime knobs for an A/B).
# Run (after a Release build of Silo and Client):  bash tests/Runnel.Benchmarks/produce-cost/run.sh . LABEL
# Needs fio, python3, curl (perf for PERF=1). The silo is stopped by its PID; the data dir and fio file are removed.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$1" && pwd); LABEL=$2; N=${N:-300000}; WARMUP=${WARMUP:-100000}
W=/tmp/runnel-produce-cost/$LABEL; rm -rf $W; mkdir -p $W/cwd
SILO=$ROOT/Silo/bin/Release/net10.0/runnel-silo; CLI=$ROOT/Client/bin/Release/net10.0/runnel
fp() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P=$(fp); S=$(fp); H=$(fp)
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
(cd $W/cwd && DOTNET_PerfMapEnabled=${PERF:+1} exec env ${SILO_ENV:-} $SILO --data-dir $W/data --port $P --silo-port $S --http-port $H --kafka-port 0 --cluster meas) > $W/silo.log 2>&1 &
SP=$!; export SP
for _ in $(seq 1 300); do curl -sf http://127.0.0.1:$H/readyz >/dev/null 2>&1 && break; sleep 0.1; done
cli() { $CLI --bootstrap 127.0.0.1:$P --cluster-id meas "$@"; }
cli topics create bench -p 8 >/dev/null; cli topics create warmup -p 8 >/dev/null
DOTNET_PerfMapEnabled=${PERF:+1} cli bench produce -t warmup -n $WARMUP -s 1024 --batch-size 262144 --max-seconds 60 --json >/dev/null || true
python3 $HERE/blocks.py $W/data > $W/blocks0
cpu() { awk "{print \$14+\$15}" /proc/$1/stat; }; ut() { awk "{print \$14, \$15}" /proc/$1/stat; }
s0=$(cpu $SP); echo "silo ut st before: $(ut $SP)"
DOTNET_PerfMapEnabled=${PERF:+1} python3 - "$CLI" $P $N $W <<'PY'
import os, sys, subprocess, time, resource
cli, port, n, w = sys.argv[1:5]
t=time.time()
p = subprocess.Popen([cli, "--bootstrap", f"127.0.0.1:{port}", "--cluster-id", "meas", "bench", "produce", "-t", "bench", "-n", n, "-s", "1024", "--batch-size", "262144", "--warmup-records", "100000", "--max-seconds", "40", "--json"], stdout=subprocess.PIPE, text=True)
perf = subprocess.Popen(["perf","record","-F","199","-g","-o",w+"/perf.data","-p",os.environ['SP']+','+str(p.pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) if os.environ.get("PERF") else None
_, status, ru = os.wait4(p.pid, 0)
out = p.stdout.read()
print("client:", out.strip().splitlines()[-1] if out.strip() else "none")
print(f"client_cpu_s={ru.ru_utime+ru.ru_stime:.2f} user={ru.ru_utime:.2f} sys={ru.ru_stime:.2f} wall={time.time()-t:.1f}")
if perf: perf.send_signal(2); perf.wait()
PY
s1=$(cpu $SP); echo "silo ut st after: $(ut $SP)"
echo "silo_cpu_s=$(python3 -c "print(($s1-$s0)/100)")"
python3 $HERE/blocks.py $W/data > $W/blocks1
echo "before: $(cat $W/blocks0)"; echo "after:  $(cat $W/blocks1)"; python3 - $W $s0 $s1 "$(ut $SP)" <<PY2
import re,sys
w,s0,s1=sys.argv[1],float(sys.argv[2]),float(sys.argv[3])
g=lambda f: dict(re.findall(r"(\w+)=([\d.]+)", open(w+"/"+f).read()))
a,b=g("blocks0"),g("blocks1")
by=float(b["bytes"])-float(a["bytes"]); bl=float(b["blocks"])-float(a["blocks"])
print(f"measured: MiB={by/2**20:.0f} blocks={bl:.0f} fsyncs_per_MiB={bl/(by/2**20):.2f} avg_block_KiB={by/bl/1024:.0f} silo_cpu_s_per_GB={(s1-s0)/100/(by/1e9):.2f}")
PY2
kill $SP; wait $SP 2>/dev/null
f=$W/fio.dat
fio --output-format=json --name=fds1m --filename=$f --ioengine=psync --fallocate=none --rw=write --bs=1M --size=4G --fdatasync=1 --runtime=5 --time_based=0 | python3 -c 'import json,sys; print("disk MB/s", json.load(sys.stdin)["jobs"][0]["write"]["bw_bytes"]/1e6)'
rm -rf $W/data $f
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
