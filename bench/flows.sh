#!/usr/bin/env bash
# Flow collection speed: canhgac's collector (`canhgac flows collect`, the server's collector
# without a store) against Debian's fastnetmon 1.2.4 (NetFlow v5 input, Prometheus counters),
# fed the same NetFlow v5 stream by bench/nf5send.py on the other core, in one run.
#
# For each of RUNS rounds and each collector: start it, send for SECS seconds, and read
#   - flows it processed (ours: its own count; fastnetmon: fastnetmon_netflow_v5_total_flows),
#   - the CPU seconds it used while the sender ran (utime+stime from /proc/PID/stat),
# then report flows/s and flows per CPU-second (per core), medians over the rounds, and the
# ratio. A second pass sends at RATE flows/s (default: fastnetmon's measured median) and
# reads how many flows canhgac lost by the exporter's sequence numbers (should be 0).
#
# Usage: bench/flows.sh [SECS=15] [RUNS=3]   (BIN=path/to/canhgac, release build by default)
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${SECS:-15}
RUNS=${RUNS:-3}
BIN=${BIN:-target/release/canhgac}
[ -x "$BIN" ] || { echo "build first: cargo build --release -p canhgac" >&2; exit 1; }
command -v fastnetmon >/dev/null || { echo "fastnetmon is missing: apt-get install fastnetmon" >&2; exit 1; }
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
echo 198.51.100.0/24 > "$work/networks"
sed -e 's/^netflow = .*/netflow = on/' -e 's/^netflow_port = .*/netflow_port = 2056/' \
    -e 's/^netflow_host = .*/netflow_host = 127.0.0.1/' -e 's/^sflow = .*/sflow = off/' \
    -e 's/^mirror_afpacket = .*/mirror_afpacket = off/' -e 's/^enable_ban = .*/enable_ban = off/' \
    -e 's/^enable_ban_ipv6 = .*/enable_ban_ipv6 = off/' \
    -e "s|^networks_list_path = .*|networks_list_path = $work/networks|" \
    -e "s|^pid_path = .*|pid_path = $work/fastnetmon.pid|" \
    -e 's/^prometheus_port = .*/prometheus_port = 9219/' \
    /etc/fastnetmon.conf > "$work/fastnetmon.conf"

cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }          # clock ticks
tck=$(getconf CLK_TCK)
fnm_flows() { curl -s http://127.0.0.1:9219/metrics | awk '/^fastnetmon_netflow_v5_total_flows/ {print $2}'; }

ours_rates=(); ours_cpu=(); fnm_rates=(); fnm_cpu=(); sent=()
for r in $(seq 1 "$RUNS"); do
  # canhgac
  "$BIN" flows collect --listen 127.0.0.1:2057 --protect 198.51.100.0/24 --seconds $((SECS + 4)) --json > "$work/ours.json" &
  pid=$!; sleep 1.5
  c0=$(cpu $pid)
  python3 bench/nf5send.py 127.0.0.1 2057 "$SECS" > "$work/sent.txt"
  c1=$(cpu $pid)
  wait $pid
  flows=$(python3 -c "import json;print(json.load(open('$work/ours.json'))['flows'])")
  sent+=("$(sed 's/.*flows=\([0-9]*\).*/\1/' "$work/sent.txt")")
  ours_rates+=("$(python3 -c "print($flows/$SECS)")")
  ours_cpu+=("$(python3 -c "print($flows/(($c1-$c0)/$tck))")")
  echo "round $r canhgac:    $flows flows processed in $(python3 -c "print(round(($c1-$c0)/$tck, 2))") CPU-s; sender: $(cat "$work/sent.txt")"
  # fastnetmon
  fastnetmon --configuration_file "$work/fastnetmon.conf" --log_file "$work/fastnetmon.log" --disable_pid_logic > "$work/fnm.out" 2>&1 &
  pid=$!; sleep 3
  f0=$(fnm_flows); c0=$(cpu $pid)
  python3 bench/nf5send.py 127.0.0.1 2056 "$SECS" > "$work/sent.txt"
  sleep 1
  f1=$(fnm_flows); c1=$(cpu $pid)
  kill $pid; wait $pid 2>/dev/null || true
  flows=$(python3 -c "print(int(float('$f1') - float('$f0')))")
  fnm_rates+=("$(python3 -c "print($flows/$SECS)")")
  fnm_cpu+=("$(python3 -c "print($flows/max(($c1-$c0)/$tck, 1e-9))")")
  echo "round $r fastnetmon: $flows flows processed in $(python3 -c "print(round(($c1-$c0)/$tck, 2))") CPU-s; sender: $(cat "$work/sent.txt")"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
o=$(median "${ours_rates[@]}"); oc=$(median "${ours_cpu[@]}")
f=$(median "${fnm_rates[@]}"); fc=$(median "${fnm_cpu[@]}")
printf 'median flows/s processed:   canhgac %.0f, fastnetmon %.0f (ratio %.2f)\n' "$o" "$f" "$(python3 -c "print($o/$f)")"
printf 'median flows per CPU-second: canhgac %.0f, fastnetmon %.0f (ratio %.2f)\n' "$oc" "$fc" "$(python3 -c "print($oc/$fc)")"

# Loss under the peer's rate, and the time to an alert: the stream at fastnetmon's median rate,
# every address of the /24 over the default 20,000 packets/s threshold from the first second,
# read for flows lost by the exporter's sequence numbers; the sender starts 1.5 s after the
# collector, so the first alert came (first_attack_after_s − 1.5) s after the traffic did.
RATE=${RATE:-$(python3 -c "print(int($f))")}
"$BIN" flows collect --listen 127.0.0.1:2057 --protect 198.51.100.0/24 --seconds $((SECS + 4)) --json > "$work/ours.json" &
pid=$!; sleep 1.5
python3 bench/nf5send.py 127.0.0.1 2057 "$SECS" "$RATE" > "$work/sent.txt"
wait $pid
echo "at $RATE flows/s: sender $(cat "$work/sent.txt"); canhgac $(cat "$work/ours.json")"
