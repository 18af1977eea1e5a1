"""NetFlow v5 sender for bench/flows.sh: 30-record datagrams to HOST:PORT for SECONDS, as fast as
one core sends or at RATE flows a second; flow sequence numbers kept continuous so a collector
can count what it lost. Destinations inside 198.51.100.0/24, sources all over the IPv4 space.
Prints datagrams and flows sent, and the rate."""
import random, socket, struct, sys, time

host, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
rate = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0  # flows a second; 0 = as fast as possible
rng = random.Random(7)
REC = struct.Struct("!IIIHHIIIIHHBBBBHHBBH")
HDR = struct.Struct("!HHIIIIBBH")


def records():
    out = b""
    for _ in range(30):
        src = rng.randrange(0x01000000, 0xDF000000)
        dst = (198 << 24) | (51 << 16) | (100 << 8) | rng.randrange(1, 255)
        proto = rng.choice([6, 17])
        out += REC.pack(src, dst, 0, 1, 2, 10, 6000, 99000, 100000, rng.randrange(1024, 65535),
                        rng.choice([53, 80, 443, 123]), 0, 0x12 if proto == 6 else 0, proto, 0, 0, 0, 24, 24, 0)
    return out


bodies = [records() for _ in range(1000)]
buf = bytearray(HDR.size + len(bodies[0]))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
dest = (host, port)
send = s.sendto
seq, n, t0 = 0, 0, time.time()
boot = int(t0) - 200
end = t0 + seconds
while True:
    now = time.time()
    if now >= end:
        break
    if rate > 0 and n * 30 / rate > now - t0:
        # Ahead of the rate: wait for the schedule (checked every 100 datagrams).
        time.sleep(n * 30 / rate - (now - t0))
    stamp = int(now)
    for i in range(100):
        HDR.pack_into(buf, 0, 5, 30, 100000, stamp, 0, seq, 0, 0, 0)
        buf[HDR.size:] = bodies[(n + i) % 1000]
        send(buf, dest)
        seq = (seq + 30) & 0xFFFFFFFF
    n += 100
el = time.time() - t0
print("datagrams=%d flows=%d seconds=%.2f flows_per_s=%.0f" % (n, n * 30, el, n * 30 / el))
