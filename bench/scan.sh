#!/usr/bin/env bash
# Malware scanning benchmark: `canhgac scan` against Debian's `yara` (libyara), side by side, in
# one run, on the workload ../shared/bench names: the YARA rules of testdata/yara (the files both
# engines compile) over a corpus of system binaries and libraries (real files, read in place)
# plus files seeded with the rules' own strings, at least 1 GB in all. Both scan with the same
# number of threads, neither follows symbolic links, and canhgac does not open archives (libyara
# does not either), so the work is the same. The matches must be the same set of (rule, file).
# Reports wall time and CPU time (user+sys); medians of RUNS runs.
#
#   bench/scan.sh [WORKDIR] [RUNS] [THREADS]     (default /tmp/canhgac-bench-scan, 3, 2)
#
# Needs Debian's yara (installed with apt-get if missing) and python3. Builds canhgac in release.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-/tmp/canhgac-bench-scan}"
runs="${2:-3}"
threads="${3:-2}"
command -v yara >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq yara >/dev/null; }
mkdir -p "$work/rules" "$work/seeded"

# The rule files both engines compile (each checked alone with libyara; canhgac names refusals).
rm -f "$work/rules/"*.yar
for f in testdata/yara/signature-base/*.yar; do
  if yara -w "$f" /dev/null >/dev/null 2>&1; then cp "$f" "$work/rules/"; fi
done

# Seeded files: each rule's plain text strings, written together into a file of their own,
# with filler around them (so strings-only rules match as they would on a real sample).
python3 - "$work/rules" "$work/seeded" <<'PY'
import os, re, sys, random
rules, out = sys.argv[1], sys.argv[2]
random.seed(7)
pat = re.compile(r'^\s*\$\w*\s*=\s*"((?:[^"\\]|\\.)*)"\s*(.*)$')
n = 0
for name in sorted(os.listdir(rules)):
    text = open(os.path.join(rules, name), errors="replace").read()
    for rule in re.split(r'\nrule\s+', text)[1:]:
        strings = []
        for line in rule.splitlines():
            m = pat.match(line)
            if m and "wide" not in m.group(2) and "base64" not in m.group(2) and "xor" not in m.group(2):
                strings.append(m.group(1).encode().decode("unicode_escape").encode("latin-1", "replace"))
        if not strings:
            continue
        body = bytearray()
        for s in strings:
            body += os.urandom(random.randint(64, 4096)) + s
        body += os.urandom(4096)
        with open(os.path.join(out, f"seed_{n:04d}.bin"), "wb") as f:
            f.write(body)
        n += 1
print(f"seeded {n} files", file=sys.stderr)
PY

corpus=("$work/seeded")
# (No file over canhgac's 256 MB limit: /usr/lib/chromium is left out, so both read the same.)
for d in /usr/bin /usr/sbin /usr/lib/x86_64-linux-gnu /usr/libexec /usr/lib/jvm /usr/share/locale /usr/share/doc; do
  [ -d "$d" ] && corpus+=("$d")
done
total=$(du -scbL --apparent-size "${corpus[@]}" 2>/dev/null | tail -1 | cut -f1 || true)
echo "corpus: ${corpus[*]} ($((total / 1000000)) MB apparent), $(ls "$work/rules" | wc -l) rule files, $threads threads"

cargo build --release --quiet
bin=target/release/canhgac

measure() { # label, command...  → prints "wall cpu" per run
  local label=$1; shift
  for _ in $(seq 1 "$runs"); do
    /usr/bin/time -f '%e %U %S' -o "$work/time.txt" "$@" > "$work/$label.out" 2> "$work/$label.err" || true
    awk '{printf "%.2f %.2f\n", $1, $2 + $3}' "$work/time.txt"
  done
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

ours=$(measure ours "$bin" scan --rules "$work/rules" --threads "$threads" --archive-depth 0 --format json "${corpus[@]}")
# yara scans one target per run (every other argument is a rule file): one run per folder.
cat > "$work/yara-all.sh" <<SH
for d in ${corpus[*]}; do yara -r -N -w -p $threads $work/rules/*.yar "\$d"; done
SH
peer=$(measure yara bash "$work/yara-all.sh")

# The same matches: (rule, file) pairs.
python3 - "$work/ours.out" "$work/yara.out" <<'PY'
import json, sys
ours = set()
for line in open(sys.argv[1]):
    m = json.loads(line)
    ours.add((m["rule"], m["path"]))
theirs = set()
for line in open(sys.argv[2], errors="replace"):
    parts = line.rstrip("\n").split(" ", 1)
    if len(parts) == 2:
        theirs.add((parts[0], parts[1]))
print(f"matches: canhgac {len(ours)}, yara {len(theirs)}, in both {len(ours & theirs)}")
for r, p in sorted(ours - theirs)[:20]:
    print(f"  only canhgac: {r} {p}")
for r, p in sorted(theirs - ours)[:20]:
    print(f"  only yara:    {r} {p}")
PY
grep -h '^scanned' "$work/ours.err" | tail -1
echo "canhgac scan:  wall $(echo "$ours" | awk '{print $1}' | median) s, cpu $(echo "$ours" | awk '{print $2}' | median) s  (runs: $(echo "$ours" | awk '{print $1}' | tr '\n' ' '))"
echo "yara $(yara --version):  wall $(echo "$peer" | awk '{print $1}' | median) s, cpu $(echo "$peer" | awk '{print $2}' | median) s  (runs: $(echo "$peer" | awk '{print $1}' | tr '\n' ' '))"
