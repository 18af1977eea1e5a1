#!/usr/bin/env bash
# Load benchmark: the API and the main pages of `canhgac serve` under wrk, on a store holding a
# province's piled-up data — 100,000 hosts, 1,000,000 alerts and 10,000,000 events by default,
# made by bench/loadgen (copies of the demo province's own rows; see its header).
#
# Each URL is first fetched once with curl (it must answer 200, not a redirect to the log-in),
# then loaded by wrk (2 threads, CONNS connections, closed loop, SECONDS seconds), as the DIC's
# administrator and as an agency's staff. Reports requests a second, the median and the 99th
# percentile latency, and the non-2xx answers and socket errors wrk counted; then the server's
# peak resident memory. The store is generated once per backend and kept in WORKDIR (delete
# it, or REGEN=1, to make it again).
#
#   bench/load.sh [sqlite|postgres] [WORKDIR] [SECONDS] [CONNS]
#       (default sqlite, /tmp/canhgac-bench-load, 10, 20)
#   HOSTS=… ALERTS=… EVENTS=… bench/load.sh      smaller or larger stores
#   ONLY='^/api/v1/hosts' bench/load.sh           only the paths this regular expression matches
#
# Needs wrk (Debian) and curl; with postgres, a PostgreSQL server at PGURL (default
# postgres://postgres@127.0.0.1:5432) where it may create the database canhgac_load.
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
work="${2:-/tmp/canhgac-bench-load}"
secs="${3:-10}"
conns="${4:-20}"
hosts="${HOSTS:-100000}" alerts="${ALERTS:-1000000}" events="${EVENTS:-10000000}"
pgurl="${PGURL:-postgres://postgres@127.0.0.1:5432}"
port=18380
base="http://127.0.0.1:$port"
cargo build --release --quiet -p canhgac -p canhgac-loadgen
bin="$PWD/target/release/canhgac"
gen="$PWD/target/release/canhgac-loadgen"
mkdir -p "$work"

tag="$backend-$hosts-$alerts-$events"
creds="$work/$tag.creds"
case "$backend" in
  sqlite) store=(--data "$work/$tag") ;;
  postgres) store=(--database "$pgurl/canhgac_load") ;;
  *) echo "backend: sqlite or postgres" >&2; exit 2 ;;
esac
if [ -n "${REGEN:-}" ] || [ ! -s "$creds" ]; then
  echo "== generating $hosts hosts, $alerts alerts, $events events on $backend"
  if [ "$backend" = sqlite ]; then rm -rf "$work/$tag"; else
    psql "$pgurl/postgres" -qc "DROP DATABASE IF EXISTS canhgac_load" -c "CREATE DATABASE canhgac_load"
  fi
  start=$(date +%s)
  "$gen" "${store[@]}" --hosts "$hosts" --alerts "$alerts" --events "$events" > "$creds.new"
  mv "$creds.new" "$creds"
  echo "generated in $(( $(date +%s) - start )) s"
fi
# shellcheck disable=SC1090
. "$creds"

# The retention job would cut the generated month of events to the default 2 GiB: keep them.
cat > "$work/serve.toml" <<EOF
[server]
listen = "127.0.0.1:$port"
[monitor]
retention_days = 60
max_event_gib = 200
spool_dir = ""
EOF
"$bin" serve "${store[@]}" --config "$work/serve.toml" > "$work/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do curl -fs "$base/healthz" -o /dev/null && break; sleep 0.2; done
curl -fs "$base/healthz" -o /dev/null || { echo "the server did not start; see $work/serve.log" >&2; exit 1; }

# role kind path: "api" paths are called with the role's token, "page" paths with its session.
urls() {
  local r=$1 host alert event signal
  host=$(eval echo "\$${r}_HOST") alert=$(eval echo "\$${r}_ALERT") event=$(eval echo "\$${r}_EVENT")
  signal=$(eval echo "\$${r}_SIGNAL")
  cat <<EOF
page /
page /wall
page /monitor
page /hosts
page /hosts/$host
page /alerts
page /alerts/$alert
page /signals
page /signals/$signal
page /events
page /events/$event
page /sources
page /incidents
api /api/v1/hosts
api /api/v1/hosts/$host
api /api/v1/signals
api /api/v1/signals/$signal
api /api/v1/signals/groups
api /api/v1/events
api /api/v1/events/$event
api /api/v1/sources
api /api/v1/monitor
EOF
}

out="$work/results-$tag.txt"
: > "$out"
printf '%-4s %-4s %-28s %9s %9s %9s %7s %6s\n' role kind path 'req/s' 'p50 ms' 'p99 ms' non2xx errors | tee -a "$out"
for role in DIC ORG; do
  cookie=$(eval echo "\$${role}_COOKIE") token=$(eval echo "\$${role}_TOKEN")
  urls "$role" | while read -r kind path; do
    if [ -n "${ONLY:-}" ] && ! [[ "$path" =~ $ONLY ]]; then continue; fi
    if [ "$kind" = api ]; then h="Authorization: Bearer $token"; else h="Cookie: $cookie"; fi
    code=$(curl -s -o "$work/body" -w '%{http_code}' -H "$h" "$base$path")
    if [ "$code" != 200 ]; then
      echo "$role $path answered $code, not 200: $(head -c 300 "$work/body")" >&2; exit 1
    fi
    wrk -t2 -c"$conns" -d"${secs}s" --latency -H "$h" "$base$path" > "$work/wrk.txt"
    awk -v role="$role" -v kind="$kind" -v path="$path" '
      function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /m$/) return v * 60000; return v * 1000 }
      /^ *50%/ { p50 = ms($2) } /^ *99%/ { p99 = ms($2) }
      /Requests\/sec/ { rps = $2 } /Non-2xx/ { bad = $NF } /Socket errors/ { err = $0; sub(/.*errors: /, "", err) }
      END { printf "%-4s %-4s %-28s %9.0f %9.1f %9.1f %7d %6s\n", role, kind, path, rps, p50, p99, bad, (err == "" ? "0" : err) }
    ' "$work/wrk.txt" | tee -a "$out"
  done
done
echo "peak resident memory of the server: $(awk '/VmHWM/ {printf "%.0f MiB", $2 / 1024}' "/proc/$pid/status")" | tee -a "$out"
echo "results in $out"
