#!/usr/bin/env bash
# schemathesis (PyPI) against /api/v1/openapi.json of the demo province on a fresh embedded
# store, as the DIC administrator: no 5xx and no response that breaks its own schema. The
# token's own routes (log-out, users' changes) run last, apart, since they can end the token.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-target/debug/canhgac}"
seconds="${CANHGAC_SCHEMATHESIS_SECONDS:-300}"
command -v st >/dev/null || python3 -m pip install -q "schemathesis==4.32.5"
work="$(mktemp -d)"
port=18189
"$bin" demo --data "$work/data" --listen "127.0.0.1:$port" --password 'Schema-Pass-2026!' \
  --syslog-port 0 --flow-port 0 --no-live > "$work/demo.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 1; done
token() {
  curl -sf "http://127.0.0.1:$port/api/v1/auth/token" -H 'Content-Type: application/json' \
    -d '{"email":"admin@stttt.laichau.gov.vn","password":"Schema-Pass-2026!"}' \
    | python3 -c 'import sys, json; print(json.load(sys.stdin)["token"])'
}
checks=not_a_server_error,response_schema_conformance
st run "http://127.0.0.1:$port/api/v1/openapi.json" -H "Authorization: Bearer $(token)" \
  --checks "$checks" --phases examples,coverage,fuzzing -n 3 -w 1 --max-time "$seconds" \
  --exclude-path-regex '/auth/token|/users/\{id\}' --request-timeout 30 --continue-on-failure \
  --seed 20261206 --no-color
st run "http://127.0.0.1:$port/api/v1/openapi.json" -H "Authorization: Bearer $(token)" \
  --checks "$checks" --phases examples,coverage -n 3 -w 1 --max-time 120 \
  --include-path-regex '/auth/token|/users/\{id\}' --request-timeout 30 --continue-on-failure \
  --seed 20261206 --no-color
