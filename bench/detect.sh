#!/usr/bin/env bash
# Sigma detection benchmark: `canhgac detect` against rsigma 0.23.0 (`rsigma engine eval`), side
# by side, in one run, on the common workload of ../shared/bench: 200,000 flattened Windows events
# (the SigmaHQ regression samples of testdata/sigma, repeated, by flatten_evtx_json.py) against the
# SigmaHQ Windows rules (rules/windows of testdata/sigma/sigma_rules.tar.gz).
# Reports CPU time (user+sys), peak memory and detections; medians of RUNS runs.
#
#   bench/detect.sh [WORKDIR] [RUNS] [EVENTS]     (default /tmp/canhgac-bench-detect, 3, 200000)
#
# Needs python3 and rsigma (`cargo install rsigma@0.23.0 --locked`). Builds canhgac in release.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-/tmp/canhgac-bench-detect}"
runs="${2:-3}"
n="${3:-200000}"
flatten="../shared/bench/flatten_evtx_json.py"
rsigma="${RSIGMA:-$(command -v rsigma || echo "$HOME/.cargo/bin/rsigma")}"
mkdir -p "$work"
if [ ! -d "$work/sigma/rules/windows" ]; then
  tar -xzf testdata/sigma/sigma_rules.tar.gz -C "$work"
  tar -xzf testdata/sigma/sigma_regression_data_part_A.tar.gz -C "$work"
fi
if [ ! -f "$work/events.jsonl" ] || [ "$(wc -l < "$work/events.jsonl")" != "$n" ]; then
  [ -f "$flatten" ] || { echo "need $flatten (the shared workload generator)" >&2; exit 1; }
  python3 "$flatten" "$n" "$work/events.jsonl" $(find "$work/regression_data" "$work/sigma/regression_data" -name '*.json' 2>/dev/null | sort)
fi
rules="$work/sigma/rules/windows"
cargo build --release --quiet
bin=target/release/canhgac

measure() { # label, command...  → prints "cpu_seconds peak_kb" per run
  local label=$1; shift
  for _ in $(seq 1 "$runs"); do
    /usr/bin/time -f '%U %S %M' -o "$work/time.txt" "$@" < "$work/events.jsonl" > "$work/$label.out" 2> "$work/$label.err"
    awk '{printf "%.2f %d\n", $1 + $2, $3}' "$work/time.txt"
  done
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "workload: $(wc -l < "$work/events.jsonl") events ($(($(stat -c %s "$work/events.jsonl") / 1000000)) MB), $(find "$rules" -name '*.yml' | wc -l) rule files"

ours=$(measure ours "$bin" detect --rules "$rules" --format json "$work/events.jsonl")
ours_cpu=$(echo "$ours" | awk '{print $1}' | median)
ours_mem=$(echo "$ours" | awk '{print $2}' | median)
ours_hits=$(wc -l < "$work/ours.out")

every=$(measure every "$bin" detect --rules "$rules" --every-rule --format json "$work/events.jsonl")
every_cpu=$(echo "$every" | awk '{print $1}' | median)
every_mem=$(echo "$every" | awk '{print $2}' | median)
every_hits=$(wc -l < "$work/every.out")

peer=$(measure rsigma "$rsigma" engine eval -r "$rules" --output-format ndjson)
peer_cpu=$(echo "$peer" | awk '{print $1}' | median)
peer_mem=$(echo "$peer" | awk '{print $2}' | median)
peer_hits=$(wc -l < "$work/rsigma.out")

grep -h 'rule(s) loaded' "$work/ours.err" | head -1
echo "canhgac detect (log-source routing): cpu ${ours_cpu} s, peak ${ours_mem} KB, ${ours_hits} detections"
echo "canhgac detect --every-rule:         cpu ${every_cpu} s, peak ${every_mem} KB, ${every_hits} detections"
echo "rsigma 0.23.0 engine eval:           cpu ${peer_cpu} s, peak ${peer_mem} KB, ${peer_hits} detections"
awk -v p="$peer_cpu" -v a="$ours_cpu" -v b="$every_cpu" -v n="$n" 'BEGIN {
  printf "ratio rsigma/canhgac: %.1fx (routing), %.1fx (every rule on every event)\n", p / a, p / b;
  printf "events per CPU-second: canhgac %.0f (routing), %.0f (every rule); rsigma %.0f\n", n / a, n / b, n / p }'
