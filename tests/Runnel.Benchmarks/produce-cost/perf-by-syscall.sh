#!/usr/bin/env bash
# perf-by-syscall.sh DIR: the silo's perf samples of a PERF=1 run.sh, by syscall, page fault, JIT or user code.
d=$1; pid=$(perf script -i $d/perf.data -F pid 2>/dev/null | sort | uniq -c | sort -rn | head -1 | awk '{print $2}')
perf script -i $d/perf.data --pid $pid -F ip,sym,dso 2>/dev/null | awk 'BEGIN{RS=""} { n=split($0,l,"\n"); top=l[1]; cat="user"; if (top ~ /clrjit/) cat="jit"; else if (top ~ /kernel/) cat="kernel-other"; for(i=1;i<=n;i++){ if (l[i] ~ /__x64_sys_|__do_sys_/){ s=l[i]; sub(/^ *[0-9a-f]+ /,"",s); sub(/ \(.*/,"",s); cat=s; break } if (l[i] ~ /asm_exc_page_fault/) {cat="pagefault"; break} } c[cat]++; t++ } END { for (k in c) printf "%5.1f%% %s\n", 100*c[k]/t, k; print t, "samples" }' | sort -rn | head -14
