# Sums block counts and committed lengths of every append blob under a file-store data dir (newest valid head slot;
# layout in src/Runnel.Storage/Internal/AppendBlobHead.cs). -v lists each blob.
import os, sys, struct, json
root = sys.argv[1]
tot_blocks = tot_len = 0; per = []
for d, _, fs in os.walk(root):
    for f in fs:
        p = os.path.join(d, f)
        try:
            with open(p, 'rb') as h: head = h.read(32768)
        except Exception: continue
        best = None
        for i in range(2):
            s = head[i*16384:(i+1)*16384]
            if len(s) < 52 or s[:4] != b'RNAH': continue
            seq = struct.unpack('>Q', s[4:12])[0]; jl = struct.unpack('>I', s[44:48])[0]
            try: meta = json.loads(s[52:52+jl])
            except Exception: continue
            if best is None or seq > best[0]: best = (seq, meta)
        if best:
            m = best[1]
            bc = m.get('BlockCount', m.get('blockCount', 0)); ln = m.get('Length', m.get('length', 0))
            per.append((p[len(root):], bc, ln)); tot_blocks += bc; tot_len += ln
if '-v' in sys.argv:
    for r in per: print(*r)
print(f"blobs={len(per)} blocks={tot_blocks} bytes={tot_len} MiB={tot_len/2**20:.1f} avg_block_KiB={tot_len/max(tot_blocks,1)/1024:.1f} blocks_per_MiB={tot_blocks/max(tot_len/2**20,1e-9):.2f}")
