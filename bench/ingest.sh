#!/usr/bin/env bash
# Syslog ingest benchmark: `canhgac serve` (TCP listener → parse → normalise → every enabled
# SigmaHQ rule → committed to the embedded SQLite store) against syslog-ng (Debian
# `syslog-ng-core`, `network(transport("tcp"))` source written to a file), side by side, in one
# run, fed by syslog-ng's own `loggen` over TCP (the workload of ../shared/bench).
# Reports messages received and stored, wall time until the last one is stored, rate, and the
# server's CPU time; medians of RUNS runs.
#
#   bench/ingest.sh [WORKDIR] [RUNS] [SECONDS]     (default /tmp/canhgac-bench-ingest, 3, 10)
#
# Needs syslog-ng and loggen (Debian syslog-ng-core) and sqlite3. Builds canhgac in release.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-/tmp/canhgac-bench-ingest}"
runs="${2:-3}"
secs="${3:-10}"
bin="$PWD/target/release/canhgac"
cargo build --release --quiet
mkdir -p "$work"

. bench/lib.sh

# Sends the burst to the receiver on PORT (process PID), waits until COUNT-COMMAND… (which
# prints how many messages are stored) reaches what was sent, stops the receiver; prints
# "sent stored seconds rate cpu".
drive() { # port, pid, count command...
  local port=$1 pid=$2; shift 2
  local cpu0 t0 sent stored t1 cpu1
  cpu0=$(cpu_of "$pid")
  t0=$(date +%s.%N)
  sent=$(burst "$port" "$secs")
  stored=$(wait_stored "$sent" 600 "$@")
  t1=$(date +%s.%N)
  cpu1=$(cpu_of "$pid")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  awk -v s="$sent" -v n="$stored" -v a="$t0" -v b="$t1" -v c0="$cpu0" -v c1="$cpu1" \
    'BEGIN {printf "%d %d %.2f %.0f %.2f\n", s, n, b - a, n / (b - a), c1 - c0}'
}

run_canhgac() {
  local port=$1 dir="$work/canhgac-$2"
  start_canhgac "$bin" "$dir" "$port"
  drive "$port" "$CANHGAC_PID" stored_events "$dir"
}

run_syslogng() {
  local port=$1 dir="$work/syslog-ng-$2"
  rm -rf "$dir"; mkdir -p "$dir"
  cat > "$dir/syslog-ng.conf" <<EOF
@version: 3.38
options { keep-hostname(yes); flush-lines(1000); };
source s { network(ip("127.0.0.1") port($port) transport("tcp") max-connections(10) log-iw-size(100000)); };
destination d { file("$dir/out.log"); };
log { source(s); destination(d); };
EOF
  syslog-ng --foreground --no-caps --cfgfile="$dir/syslog-ng.conf" --persist-file="$dir/persist" \
    --pidfile="$dir/pid" --control="$dir/ctl" > "$dir/syslog-ng.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 40); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.25; done
  drive "$port" "$pid" count_lines "$dir/out.log"
}

ours=(); peer=()
for i in $(seq 1 "$runs"); do
  ours+=("$(run_canhgac 16514 "$i")")
  peer+=("$(run_syslogng 16614 "$i")")
  echo "run $i: canhgac sent/stored/secs/rate/cpu ${ours[-1]} | syslog-ng ${peer[-1]}"
done
o_rate=$(printf '%s\n' "${ours[@]}" | awk '{print $4}' | median)
p_rate=$(printf '%s\n' "${peer[@]}" | awk '{print $4}' | median)
o_cpu=$(printf '%s\n' "${ours[@]}" | awk '{print $5}' | median)
p_cpu=$(printf '%s\n' "${peer[@]}" | awk '{print $5}' | median)
echo "median rate: canhgac ${o_rate} msg/s stored (SQLite, Sigma rules run) vs syslog-ng ${p_rate} msg/s written to a file"
echo "median server CPU: canhgac ${o_cpu} s, syslog-ng ${p_cpu} s"
awk -v a="$o_rate" -v b="$p_rate" 'BEGIN {printf "ratio canhgac/syslog-ng: %.2fx\n", a / b}'
