# Helpers shared by the syslog benchmarks (bench/ingest.sh, bench/spool.sh); sourced, not run.

# The median of the numbers on standard input, one per line.
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Lines in FILE (0 while it does not exist yet).
count_lines() { if [ -f "$1" ]; then wc -l < "$1"; else echo 0; fi; }

# A process's user + system CPU seconds.
cpu_of() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$1/stat"; }

# Sends syslog-ng's `loggen` burst to 127.0.0.1:PORT for SECONDS seconds (200-byte lines over
# one TCP connection, as fast as the receiver reads them); prints how many lines were sent.
burst() { # port, seconds
  loggen --inet --stream --rate 2000000 --interval "$2" --size 200 127.0.0.1 "$1" 2>&1 \
    | sed -n 's/.*count=\([0-9]*\).*/\1/p' | tail -1
}

# Runs COUNT-COMMAND… every 0.1 s, at most TRIES times, until it prints SENT or more; prints
# the last count.
wait_stored() { # sent, tries, count command...
  local sent=$1 tries=$2 stored=0; shift 2
  for _ in $(seq 1 "$tries"); do
    stored=$("$@" 2>/dev/null || echo 0)
    [ "$stored" -ge "$sent" ] && break; sleep 0.1
  done
  echo "$stored"
}

# Starts `BIN serve` in DIR (embedded store in DIR/data, web on PORT+1) with a TCP syslog
# listener on PORT and any further `[monitor]` lines given; waits until it listens and its rules
# are compiled. Sets CANHGAC_PID.
start_canhgac() { # bin, dir, port, monitor lines...
  local bin=$1 dir=$2 port=$3; shift 3
  rm -rf "$dir"; mkdir -p "$dir"
  {
    printf '[server]\nlisten = "127.0.0.1:%s"\n[store]\ndata = "%s/data"\n' "$((port + 1))" "$dir"
    printf '[monitor]\nsyslog_tcp = "127.0.0.1:%s"\n' "$port"
    printf '%s\n' "$@"
  } > "$dir/canhgac.toml"
  "$bin" serve --config "$dir/canhgac.toml" > "$dir/serve.log" 2>&1 &
  CANHGAC_PID=$!
  for _ in $(seq 1 120); do
    grep -q "syslog/tcp listening" "$dir/serve.log" 2>/dev/null && break; sleep 0.25
  done
  sleep 2 # the worker compiles the bundled rules once at start
}

# Events stored by the canhgac started in DIR.
stored_events() { sqlite3 "file:$1/data/canhgac.db?mode=ro" "SELECT COUNT(*) FROM events"; }
