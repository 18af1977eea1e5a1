#!/usr/bin/env bash
# Burst intake benchmark: how fast a syslog burst over TCP is taken in, side by side, in one run —
# `canhgac serve` with its disk spool (the listener appends each line to the spool; the pipeline
# parses, runs the Sigma rules and stores it behind), the same without the spool (the listener
# waits for the pipeline), and rsyslog (Debian's rsyslog 8, `imptcp` → `omfile`, its default
# in-memory main queue). The burst is syslog-ng's `loggen --inet --stream --rate 2000000`, 200-byte
# lines over one TCP connection for SECONDS seconds: as fast as the receiver reads them.
#
# For each receiver: messages loggen sent (the receiver read them, or the kernel's socket buffer
# holds them), the intake rate (sent / SECONDS: what the burst ran at), and the seconds from the
# burst's start until the last message was stored (canhgac: a row in the events table; rsyslog:
# a line in its file); medians of RUNS runs.
#
#   bench/spool.sh [WORKDIR] [RUNS] [SECONDS]     (default /tmp/canhgac-bench-spool, 3, 10)
#
# Needs loggen (Debian syslog-ng-core) and sqlite3; unpacks rsyslog from Debian's packages into
# target/peers as .ci/run does (not installed: it would replace syslog-ng). Builds canhgac in
# release.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-/tmp/canhgac-bench-spool}"
runs="${2:-3}"
secs="${3:-10}"
bin="$PWD/target/release/canhgac"
cargo build --release --quiet -p canhgac
peers="${CANHGAC_PEERS:-$PWD/target/peers}"
if [ ! -x "$peers/usr/sbin/rsyslogd" ]; then
  mkdir -p "$peers"
  (cd "$peers" && apt-get download rsyslog libestr0 libfastjson4 >/dev/null 2>&1 \
    && for d in *.deb; do dpkg -x "$d" .; done && rm -f ./*.deb)
fi
mkdir -p "$work"

. bench/lib.sh

# Sends the burst to PORT, then waits until COUNT-COMMAND… (how many are stored) reaches what
# was sent; stops PID; prints "sent intake-rate seconds-to-stored".
drive() { # port, pid, count command...
  local port=$1 pid=$2; shift 2
  local t0 sent stored t1
  t0=$(date +%s.%N)
  sent=$(burst "$port" "$secs")
  stored=$(wait_stored "$sent" 3000 "$@")
  t1=$(date +%s.%N)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  [ "$stored" -ge "$sent" ] || { echo "only $stored of $sent stored" >&2; exit 1; }
  awk -v s="$sent" -v d="$secs" -v a="$t0" -v b="$t1" 'BEGIN {printf "%d %.0f %.2f\n", s, s / d, b - a}'
}

run_canhgac() { # port, run, spool ("" for none)
  local port=$1 dir="$work/canhgac-$3-$2" spool='spool_dir = ""'
  [ -n "$3" ] && spool="spool_dir = \"$dir/spool\""
  start_canhgac "$bin" "$dir" "$port" "$spool"
  drive "$port" "$CANHGAC_PID" stored_events "$dir"
}

run_rsyslog() {
  local port=$1 dir="$work/rsyslog-$2"
  rm -rf "$dir"; mkdir -p "$dir"
  cat > "$dir/rsyslog.conf" <<EOF
global(workDirectory="$dir")
module(load="imptcp")
ruleset(name="burst") { action(type="omfile" file="$dir/out.log") }
input(type="imptcp" address="127.0.0.1" port="$port" ruleset="burst")
EOF
  local libs="$peers/usr/lib/x86_64-linux-gnu"
  LD_LIBRARY_PATH="$libs" "$peers/usr/sbin/rsyslogd" -M "$libs/rsyslog" -n -f "$dir/rsyslog.conf" \
    -i "$dir/rsyslog.pid" > "$dir/rsyslog.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 40); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.25; done
  drive "$port" "$pid" count_lines "$dir/out.log"
}

spool=(); direct=(); peer=()
for i in $(seq 1 "$runs"); do
  spool+=("$(run_canhgac 16714 "$i" spool)")
  direct+=("$(run_canhgac 16814 "$i" "")")
  peer+=("$(run_rsyslog 16914 "$i")")
  echo "run $i (sent, intake msg/s, s until stored): canhgac+spool ${spool[-1]} | canhgac without spool ${direct[-1]} | rsyslog ${peer[-1]}"
done
col() { printf '%s\n' "${@:2}" | awk -v c="$1" '{print $c}' | median; }
s_rate=$(col 2 "${spool[@]}"); d_rate=$(col 2 "${direct[@]}"); p_rate=$(col 2 "${peer[@]}")
s_done=$(col 3 "${spool[@]}"); d_done=$(col 3 "${direct[@]}"); p_done=$(col 3 "${peer[@]}")
echo "median intake: canhgac+spool ${s_rate} msg/s, canhgac without spool ${d_rate} msg/s, rsyslog ${p_rate} msg/s"
echo "median seconds until the last was stored: canhgac+spool ${s_done}, without spool ${d_done}, rsyslog ${p_done}"
awk -v a="$s_rate" -v b="$p_rate" 'BEGIN {printf "intake ratio canhgac+spool/rsyslog: %.2fx\n", a / b}'
