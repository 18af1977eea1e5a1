#!/usr/bin/env bash
# Botnet-list matching benchmark: `canhgac hunt` against GNU grep -F -w -f, side by side, in
# one run, on the common workload of ../shared/bench (gen_iplist.py: a 1,000,000-entry list —
# 85% single IPv4, the rest CIDRs and IPv6 networks — and a 169 MB firewall log of 1,000,000
# lines). Reports CPU time (user+sys), peak memory and hits; medians of RUNS runs.
#
#   bench/hunt.sh [WORKDIR] [RUNS]      (default /tmp/canhgac-bench, 3)
#
# Needs python3 and GNU grep. Builds canhgac in release mode first.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-/tmp/canhgac-bench}"
runs="${2:-3}"
gen="../shared/bench/gen_iplist.py"
mkdir -p "$work"
if [ ! -f "$work/fw.log" ]; then
  if [ -f "$gen" ]; then
    python3 "$gen" "$work" 1000000 1000000
  else
    echo "need $gen (the shared workload generator)" >&2; exit 1
  fi
fi
cargo build --release --quiet
bin=target/release/canhgac
size=$(stat -c %s "$work/fw.log")
lines=$(wc -l < "$work/fw.log")

measure() { # label, command...  → prints "cpu_seconds peak_kb" per run
  local label=$1; shift
  for _ in $(seq 1 "$runs"); do
    /usr/bin/time -f '%U %S %M' -o "$work/time.txt" "$@" > "$work/$label.out" 2> "$work/$label.err"
    awk '{printf "%.2f %d\n", $1 + $2, $3}' "$work/time.txt"
  done
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "workload: $(wc -l < "$work/list.txt") list lines, $lines log lines, $((size / 1000000)) MB"

ours=$(measure ours "$bin" hunt --list "$work/list.txt" --format json "$work/fw.log")
ours_cpu=$(echo "$ours" | awk '{print $1}' | median)
ours_mem=$(echo "$ours" | awk '{print $2}' | median)
ours_hits=$(wc -l < "$work/ours.out")
load_line=$(grep '^loaded' "$work/ours.err")

# Time to load the list alone (an empty log).
: > "$work/empty.log"
load=$(measure load "$bin" hunt --list "$work/list.txt" --format json "$work/empty.log")
load_cpu=$(echo "$load" | awk '{print $1}' | median)
load_mem=$(echo "$load" | awk '{print $2}' | median)

# Singles only, to compare hit counts with grep line for line.
"$bin" hunt --list "$work/singles.txt" --format json "$work/fw.log" 2>/dev/null | python3 -c 'import sys,json; print(len({json.loads(l)["line"] for l in sys.stdin}))' > "$work/ours_single_lines.txt"

grep_res=$(measure grep grep -F -w -c -f "$work/singles.txt" "$work/fw.log" || true)
grep_cpu=$(echo "$grep_res" | awk '{print $1}' | median)
grep_mem=$(echo "$grep_res" | awk '{print $2}' | median)
grep_lines=$(cat "$work/grep.out")

scan_cpu=$(awk -v a="$ours_cpu" -v b="$load_cpu" 'BEGIN {printf "%.2f", a - b}')
echo "canhgac hunt:  cpu ${ours_cpu} s (list load ${load_cpu} s, ${load_mem} KB; scan ${scan_cpu} s), peak ${ours_mem} KB, ${ours_hits} hits (singles+CIDR+IPv6)"
echo "               $load_line"
echo "grep -F -w -f: cpu ${grep_cpu} s, peak ${grep_mem} KB, ${grep_lines} matching lines (singles only)"
echo "same lines as grep on the singles: $(cat "$work/ours_single_lines.txt") vs ${grep_lines}"
awk -v o="$ours_cpu" -v s="$scan_cpu" -v g="$grep_cpu" -v b="$size" -v n="$lines" 'BEGIN {
  printf "ratio grep/canhgac CPU (whole run): %.1fx\n", g / o;
  if (s > 0) printf "scan per core: %.0f MB/s, %.0f lines/s\n", b / 1e6 / s, n / s;
}'
