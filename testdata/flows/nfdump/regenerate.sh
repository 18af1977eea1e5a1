#!/bin/sh
# Regenerates the nfdump files in this folder with the real tools (Debian 12: nfdump 1.7.1,
# softflowd 1.1.0) and the expectations the tests compare against (nfdump's own output).
# Usage: sh regenerate.sh [PCAP_DIR]   (default: /work/shared/fixtures/flows/benign)
# The flows come out identical on every run; only the files' creation and receive times change.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
pcaps=${1:-/work/shared/fixtures/flows/benign}
port=39995
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# collect OUT NFCAPD_OPTIONS -- then one "PCAP SOFTFLOWD_OPTIONS" pair per export run
collect() {
    out=$1; nfopts=$2; shift 2
    mkdir -p "$tmp/dir"; rm -f "$tmp/dir"/nfcapd.*
    # shellcheck disable=SC2086
    nfcapd -p "$port" -w "$tmp/dir" -I canhgac-test $nfopts > "$tmp/nfcapd.log" 2>&1 &
    pid=$!
    sleep 1
    while [ $# -ge 2 ]; do
        # -c none: no control socket (with one, softflowd -r waits on it and never exports).
        # shellcheck disable=SC2086
        softflowd -r "$pcaps/$1" -n 127.0.0.1:"$port" $2 -d -p "$tmp/softflowd.pid" -c none \
            > "$tmp/softflowd.log" 2>&1
        shift 2
    done
    sleep 1
    kill -TERM "$pid"   # nfcapd closes the file (writes the appendix and the block count)
    wait "$pid" || true
    mv "$tmp"/dir/nfcapd.2* "$here/$out.nfcapd"
    TZ=UTC nfdump -6 -q -N -r "$here/$out.nfcapd" \
        -o 'fmt:%ts|%te|%pr|%sa|%sp|%da|%dp|%ipkt|%ibyt|%opkt|%obyt|%flg|%exp' \
        > "$here/$out.nfdump.txt"
}

# Uncompressed: IPFIX with bidirectional records (out counters), IPv4 and IPv6, absolute
# millisecond times taken from the pcap.
collect ipfix_biflow "" zeek_wikipedia.pcap "-v 10 -6 -a -A milli -b"
# LZ4: NetFlow v9 and v5 (two exporters) stored with nfcapd's default sampling rate 10.
collect v9_v5_sampled_lz4 "-y -s 10" \
    zeek_http_bro.org.pcap "-v 9 -a" \
    pktvisor_dns_udp_mixed_rcode.pcap "-v 5 -a"

for f in "$here"/*.nfcapd; do nfdump -v "$f" | head -2; nfdump -I -r "$f"; done
