#!/usr/bin/env python3
"""Builds the fuzzers' starting corpora (fuzz/corpus/<target>/) from the repository's own test
data (testdata/, whose provenance and licences testdata/README.md gives) and a few inputs
written here. Run once from the repository's root; the corpora libFuzzer grows from these are
kept in the repository too (FUZZING.md)."""
import gzip
import hashlib
import io
import os
import struct
import tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
MAX = 64 * 1024


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    if len(data) > MAX:
        return
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def files(sub, exts=None, limit=40):
    out = []
    base = os.path.join(ROOT, "testdata", sub)
    for dirpath, _, names in sorted(os.walk(base)):
        for n in sorted(names):
            if exts and not n.endswith(tuple(exts)):
                continue
            p = os.path.join(dirpath, n)
            if os.path.getsize(p) <= MAX:
                out.append(p)
    return out[:limit]


def read(p):
    with open(p, "rb") as f:
        return f.read()


SYSLOG = [
    "<34>1 2026-12-06T10:00:00.003Z web01 sshd 4242 ID47 [exampleSDID@32473 iut=\"3\"] Failed password for root",
    "<13>Dec  6 10:00:00 web01 sshd[42]: Accepted password for root from 203.0.113.9 port 22 ssh2",
    "Dec  6 10:00:00 web01 sudo:   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/sh",
    "<134>2026-12-06T10:00:00+07:00 fw01 filterlog[1]: 5,,,1000000103,igb0,match,block,in,4,0x0,,64,0,0,DF,6,tcp,60,203.0.113.9,10.0.0.1,4242,22,0,S,1,,64240,,mss",
    "<14>1 2026-12-06T03:00:00Z iis01 W3SVC - - - 10.0.0.5 GET /index.php?id=../../etc/passwd 80 - 203.0.113.9 curl/8.0 404 0 0 12",
]


def main():
    # Syslog: the firewall samples' lines, some octet-counted, and the lines above.
    for p in files("logs/network", [".log"]):
        lines = read(p).splitlines()[:20]
        for l in lines[:5]:
            put("syslog", l + b"\n")
        framed = b"".join(b"%d %s" % (len(l), l) for l in lines[:10])
        put("syslog", b"\x10" + framed)
    for l in SYSLOG:
        put("syslog", l + "\n")
        put("syslog", "%d %s" % (len(l), l))
    # RELP: a whole session, and pieces.
    def frame(t, c, d=b""):
        return b"%d %s %d%s\n" % (t, c, len(d), (b" " + d) if d else b"")
    session = frame(1, b"open", b"relp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog")
    for i, l in enumerate(SYSLOG):
        session += frame(i + 2, b"syslog", l.encode())
    session += frame(len(SYSLOG) + 2, b"close")
    put("relp", b"\x00" + session)
    put("relp", b"\x30" + session)
    put("relp", frame(0, b"serverclose"))
    # JSON events as forwarders send them.
    for j in [
        '{"host":"web01","message":"Accepted password for root","user":"root","outcome":"success"}',
        '{"@timestamp":"2026-12-06T03:00:00Z","winlog":{"channel":"Security","event_id":4625,"event_data":{"TargetUserName":"admin","IpAddress":"203.0.113.9"}},"host":{"name":"dc01"}}',
        '{"EventTime":"2026-12-06 10:00:00","Hostname":"dc01","EventID":4688,"Channel":"Security","NewProcessName":"C:\\\\Windows\\\\System32\\\\cmd.exe"}',
        '{"__REALTIME_TIMESTAMP":"1765000000000000","_HOSTNAME":"web01","SYSLOG_IDENTIFIER":"sshd","MESSAGE":"Failed password for invalid user"}',
        '{"log":"<13>Dec  6 10:00:00 web01 app: hello","stream":"stdout"}',
        '[1,2,{"a":null}]',
    ]:
        put("json_event", j)
    # Windows event XML.
    x = ('<Events><Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>'
         '<Provider Name="Microsoft-Windows-Security-Auditing"/><EventID>4625</EventID>'
         '<TimeCreated SystemTime="2026-12-06T03:00:00.000Z"/><Channel>Security</Channel>'
         '<Computer>dc01</Computer></System><EventData><Data Name="TargetUserName">admin</Data>'
         '<Data Name="IpAddress">203.0.113.9</Data></EventData></Event></Events>')
    put("winxml", x)
    # Uploaded log files: the first byte picks the name (0 .evtx, 1 .json, 2 .jsonl, 3 .log,
    # 4 IIS, 5 .xml, 6 .log.gz).
    # EVTX files are 68 KiB at least (a header and a 64 KiB chunk): the four smallest.
    evtx = []
    for dirpath, _, names in os.walk(os.path.join(ROOT, "testdata", "evtx")):
        evtx += [os.path.join(dirpath, n) for n in names if n.endswith(".evtx")]
    for p in sorted(evtx, key=os.path.getsize)[:4]:
        d = os.path.join(CORPUS, "log_files")
        os.makedirs(d, exist_ok=True)
        data = b"\x00" + read(p)
        with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
            f.write(data)
    put("log_files", b"\x01" + b'[{"host":"a","message":"x"},{"EventID":4624}]')
    put("log_files", b"\x02" + b'{"host":"a"}\n{"host":"b"}\n')
    put("log_files", b"\x03" + "\n".join(SYSLOG).encode())
    put("log_files", b"\x04" + b"#Software: Microsoft Internet Information Services 10.0\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port c-ip sc-status\n2026-12-06 03:00:00 10.0.0.5 GET /a.php id=1 80 203.0.113.9 200\n")
    put("log_files", b"\x05" + x.encode())
    put("log_files", b"\x06" + gzip.compress("\n".join(SYSLOG).encode()))
    # Sigma: rule files from the bundled test rules.
    tar = os.path.join(ROOT, "testdata", "sigma", "sigma_rules.tar.gz")
    n = 0
    with tarfile.open(tar) as t:
        for m in t:
            if n >= 40 or not m.isfile() or not m.name.endswith(".yml") or m.size > 8192:
                continue
            put("sigma", t.extractfile(m).read())
            n += 1
    put("sigma", "title: c\nname: c\ncorrelation:\n  type: event_count\n  rules: [r]\n  group-by: [user]\n  timespan: 5m\n  condition: {gte: 3}\n---\ntitle: r\nname: r\nlogsource: {product: linux}\ndetection:\n  s: {user: root}\n  condition: s\n")
    for c in ["selection and not filter", "1 of sel_* or keywords", "all of them", "(selection or filter) and not (sel_1 and sel_2)", "selection | count() > 5"]:
        put("sigma_condition", c)
    # Threat lists: the first byte picks the file name (0 none, 1 .csv, 2 .txt, 3 .xlsx,
    # 4 .json, 5 .ipset, 6 .xml).
    for p in files("intel"):
        ext = os.path.splitext(p)[1]
        pick = {".csv": 1, ".txt": 2, ".xlsx": 3, ".json": 4, ".ipset": 5, ".xml": 6}.get(ext, 0)
        put("lists", bytes([pick]) + read(p)[:MAX - 1])
    put("lists", b"\x04" + b'{"type":"bundle","objects":[{"type":"indicator","pattern":"[ipv4-addr:value = \'203.0.113.9\']","pattern_type":"stix"}]}')
    # Advisories and scanner reports.
    for p in files("vuln/osv") + files("vuln/csaf") + [os.path.join(ROOT, "testdata", "vuln", "kev_head.json")]:
        put("advisories", read(p))
    for p in files("vuln/scanners"):
        if not p.endswith(".md"):
            put("scanners", read(p))
    # Registry imports.
    for p in files("import"):
        put("sheets", read(p))
    # 5656 reports.
    for l in ["S [0912345678][Ban da trung thuong 100 trieu, nhan tai http://x.vn]",
              "s 0912 345 678 vay tien nhanh lai suat 0%", "V (0241234567)(goi mao danh cong an)",
              "S [VIETTEL][khuyen mai]", "S0912345678 0987654321 noi dung"]:
        put("spam_5656", l)
    # National-platform alerts by mail and pushed JSON.
    put("mail", "From: canhbao@ais.gov.vn\r\nTo: soc@stttt.laichau.gov.vn\r\nSubject: Canh bao IP 203.0.113.9\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDia chi IP: 203.0.113.9\r\nMuc do: Cao\r\n")
    put("mail", '{"alerts":[{"id":"A-1","title":"Botnet","ip":"203.0.113.9","severity":"high"}]}')
    # Flow datagrams out of the capture files: each UDP payload, length-prefixed.
    for p in files("flows", [".pcap"]):
        data = read(p)
        if len(data) < 24:
            continue
        magic = struct.unpack("<I", data[:4])[0]
        endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
        linktype = struct.unpack(endian + "I", data[20:24])[0]
        off, grams = 24, []
        while off + 16 <= len(data):
            incl = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
            pkt = data[off + 16:off + 16 + incl]
            off += 16 + incl
            ip = pkt[14:] if linktype == 1 else pkt
            if linktype == 1 and pkt[12:14] == b"\x81\x00":
                ip = pkt[18:]
            if not ip:
                continue
            if ip[0] >> 4 == 4:
                ihl = (ip[0] & 15) * 4
                if ip[9] != 17:
                    continue
                udp = ip[ihl:]
            elif ip[0] >> 4 == 6:
                if ip[6] != 17:
                    continue
                udp = ip[40:]
            else:
                continue
            grams.append(udp[8:])
        if grams:
            put("flows", b"".join(struct.pack("<H", len(g)) + g for g in grams))
    # Directive items.
    put("directives", "1. Ra soat may chu co lo hong CVE-2024-3400 - han 10/12/2026 - SYT, TAMDUONG\n2. Bao cao ket qua ve So TTTT truoc 15/12/2026\n")


if __name__ == "__main__":
    main()
    for t in sorted(os.listdir(CORPUS)):
        print(t, len(os.listdir(os.path.join(CORPUS, t))))
