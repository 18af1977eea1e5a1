#!/usr/bin/env bash
# Spam reports at scale (issue 16): N report lines as people send them to 5656 (bench/spam_gen.py)
# imported into the embedded store for one operator by `canhgac spam import` — each understood,
# classified, clustered into campaigns, its sender scored and put in its case, stored in
# transactions of 50,000. Reports wall time, CPU time and peak memory; medians of RUNS runs,
# each into a fresh copy of the demo's store (the registry, no reports of that operator's).
#
#   bench/spam.sh [WORKDIR] [RUNS] [N]     (default /tmp/canhgac-bench-spam, 3, 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-/tmp/canhgac-bench-spam}"
runs="${2:-3}"
n="${3:-1000000}"
mkdir -p "$work"
cargo build --release --quiet
bin=$PWD/target/release/canhgac
[ -f "$work/reports.txt" ] && [ "$(wc -l < "$work/reports.txt")" = "$n" ] || python3 bench/spam_gen.py "$n" "$work/reports.txt"
if [ ! -f "$work/base/canhgac.db" ]; then
  # The demo province's registry: start the demo once, wait for its seeding, stop it.
  rm -rf "$work/base"
  "$bin" demo --data "$work/base" --listen 127.0.0.1:0 --no-live --syslog-port 0 --password 'Bench-Pass-2026!' > "$work/demo.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do grep -q "http://" "$work/demo.log" && break; sleep 1; done
  kill "$pid"; wait "$pid" 2>/dev/null || true
fi
echo "workload: $(wc -l < "$work/reports.txt") report lines ($(($(stat -c %s "$work/reports.txt") / 1000000)) MB)"
for _ in $(seq 1 "$runs"); do
  rm -rf "$work/run"; cp -a "$work/base" "$work/run"
  /usr/bin/time -f '%e %U %S %M' -o "$work/time.txt" "$bin" spam import --data "$work/run" --org MOBIFONE "$work/reports.txt" > "$work/import.json"
  read -r wall user sys kb < "$work/time.txt"
  echo "$wall $(echo "$user + $sys" | bc) $kb $(cat "$work/import.json")"
done | tee "$work/runs.txt"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "median wall s: $(cut -d' ' -f1 "$work/runs.txt" | median)   cpu s: $(cut -d' ' -f2 "$work/runs.txt" | median)   peak MB: $(( $(cut -d' ' -f3 "$work/runs.txt" | median) / 1024 ))"
