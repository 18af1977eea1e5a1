//! Property-style tests: no input makes the parsers or the framer panic, and the framer's
//! output does not depend on how the stream is cut into reads.

use canhgac_ingest::{
    auditd_record, framing::Framer, from_syslog, json_object, parse_syslog, web_access,
    web_access_time_ms, FrameError,
};

const SAMPLES: &[&str] = &[
    include_str!("../testdata/fail2ban_sshd.log"),
    include_str!("../testdata/fail2ban_pam-generic.log"),
    include_str!("../testdata/fail2ban_nginx-botsearch.log"),
    include_str!("../testdata/loghub_OpenSSH_2k.log"),
    include_str!("../testdata/loghub_Linux_2k.log"),
    include_str!("../testdata/loghub_Apache_2k.log"),
];

const EXTRA: &[&str] = &[
    r#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][x@1 q="a\"b\]c\\d"] ﻿An application event"#,
    "<13>Nov 25 02:00:00 root: hello",
    "<189>Nov 25 2025 02:00:00.250: %SYS-5-CONFIG_I: Configured",
    "Fri Jan 19 12:20:33 2007 [pid 27202] [anonymous] FAIL LOGIN: Client \"64.106.46.98\"",
    "<38>2026-11-25T02:00:00.123456+07:00 web01 sshd[5]: Accepted publickey for a from 2001:db8::1 port 1 ssh2: RSA SHA256:x",
    "Nov 25 02:00:00 h sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id",
    "Nov 25 02:00:00 h su[77]: FAILED SU (to root) alice on pts/0",
    "Nov 25 02:00:01 h CRON[9]: (root) CMD (run-parts /etc/cron.hourly)",
    r#"Nov 25 02:00:00 h audispd: node=h type=EXECVE msg=audit(1.2:3): argc=3 a0="sh" a1=2D63 a2='x y' key="k"#,
    "Nov 25 02:00:00 h kernel: [ 1.5] audit: type=1400 audit(1700000000.123:45): apparmor=\"DENIED\"",
    r#"203.0.113.5 - alice [25/Nov/2026:02:00:00 +0700] "GET /a?b=1 HTTP/1.1" 200 5120 "https://r/" "UA \"q\"""#,
];

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn lines() -> Vec<&'static str> {
    SAMPLES
        .iter()
        .flat_map(|s| s.lines())
        .chain(EXTRA.iter().copied())
        .filter(|l| !l.trim().is_empty())
        .collect()
}

/// Everything a line can be given to.
fn exercise(bytes: &[u8]) {
    if let Ok(m) = parse_syslog(bytes, 1_796_014_800_000) {
        let n = from_syslog(&m);
        assert!(n.get("message").is_some());
    }
    // Extreme clocks must not overflow.
    let _ = parse_syslog(bytes, i64::MAX);
    let _ = parse_syslog(bytes, i64::MIN);
    let text = String::from_utf8_lossy(bytes);
    let _ = web_access(&text);
    let _ = web_access_time_ms(&text);
    let _ = auditd_record(&text);
}

#[test]
fn every_prefix_and_suffix_of_real_lines() {
    for line in lines() {
        let b = line.as_bytes();
        for i in 0..=b.len() {
            exercise(&b[..i]);
            exercise(&b[i..]);
        }
    }
}

#[test]
fn mutated_real_lines() {
    // Bytes that steer the parsers: delimiters, digits, quotes, escapes, invalid UTF-8.
    const SPICE: &[u8] = b"<>[]\"\\= :-.+T0123456789\x1d\xff\xc3\x00\n\r'?/%";
    let lines = lines();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..6000 {
        let mut b = lines[rng.below(lines.len())].as_bytes().to_vec();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(b.len() + 1);
            match rng.below(3) {
                0 if at < b.len() => b[at] = SPICE[rng.below(SPICE.len())],
                1 if at < b.len() => {
                    b.remove(at);
                }
                _ => b.insert(at, SPICE[rng.below(SPICE.len())]),
            }
        }
        exercise(&b);
    }
}

#[test]
fn random_bytes() {
    let mut rng = Rng(42);
    for _ in 0..5000 {
        let len = rng.below(120);
        let mut b: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        // Half of them look like a start of syslog, to get past the first checks.
        if rng.below(2) == 0 {
            let prefix: &[u8] = match rng.below(4) {
                0 => b"<13>1 ",
                1 => b"<34>Nov 25 02:00:00 ",
                2 => b"2026-11-25T02:00:00",
                _ => b"1.2.3.4 - - [",
            };
            b.splice(0..0, prefix.iter().copied());
        }
        exercise(&b);
    }
}

#[test]
fn json_shapes_do_not_panic() {
    let docs = [
        r##"{"Event":{"System":{"EventID":{"#text":[1,2]},"Channel":{"x":1},"Provider":[]},"EventData":{"Data":[[1],[{"#attributes":{"Name":5}}],null]},"UserData":[1]}}"##,
        r##"{"Event":{"System":{"EventID":"abc","Channel":"Microsoft-Windows-Sysmon/Operational"},"EventData":null}}"##,
        r##"{"System":{"Channel":"Security","EventID":4688},"EventData":{"#attributes":{},"NewProcessName":{"#text":null}}}"##,
        r##"{"Channel":"Security","EventID":-1,"a":{"b":[{"c":[[[]]]}]}}"##,
        r##"{"Channel":"Microsoft-Windows-AppLocker/ü","EventID":1.5e300}"##,
        r##"{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":12,"EventType":"Deletéx"}"##,
        r##"{"Channel":"Microsoft-Windows-Sysmon/Operationaé","EventID":12,"EventType":"é"}"##,
        r##"{"Channel":"Microsoft-Windows-AppLockeré","EventID":12}"##,
    ];
    for d in docs {
        let v: serde_json::Value = serde_json::from_str(d).unwrap();
        let _ = json_object(v.as_object().unwrap());
        let _ = canhgac_ingest::windows_flatten(&v);
    }
}

/// Frames in order, then what `finish` returned.
type Decoded = (Vec<Result<Vec<u8>, FrameError>>, Option<Vec<u8>>);

fn frames_of(stream: &[u8], cuts: &[usize], max_len: usize) -> Decoded {
    let mut f = Framer::new(max_len);
    let mut out = Vec::new();
    let mut last = 0;
    for &c in cuts.iter().chain(std::iter::once(&stream.len())) {
        f.push(&stream[last..c]);
        last = c;
        while let Some(fr) = f.next_frame() {
            out.push(fr);
        }
    }
    (out, f.finish())
}

#[test]
fn framer_output_does_not_depend_on_read_sizes() {
    let lines = lines();
    let mut rng = Rng(7);
    for round in 0..200 {
        // A stream of real lines in random framings, with the odd oversized or junk frame.
        let mut stream = Vec::new();
        for _ in 0..1 + rng.below(12) {
            let msg = format!("<13>{}", lines[rng.below(lines.len())]);
            match rng.below(5) {
                0 => stream.extend_from_slice(format!("{} {msg}", msg.len()).as_bytes()),
                1 => stream.extend_from_slice(format!("{msg}\r\n").as_bytes()),
                2 => stream.extend(std::iter::repeat_n(b'x', 300).chain(*b"\n")),
                3 => stream.extend((0..rng.below(40)).map(|_| rng.next() as u8)),
                _ => stream.extend_from_slice(format!("{msg}\n").as_bytes()),
            }
        }
        let max_len = 64 + rng.below(256);
        let whole = frames_of(&stream, &[], max_len);
        let mut cuts: Vec<usize> = (0..rng.below(20))
            .map(|_| rng.below(stream.len() + 1))
            .collect();
        cuts.sort_unstable();
        let pieces = frames_of(&stream, &cuts, max_len);
        assert_eq!(whole, pieces, "round {round}");
        for fr in whole.0.iter() {
            match fr {
                Ok(b) => assert!(b.len() <= max_len),
                Err(FrameError::TooLong { head, .. }) => assert_eq!(head.len(), max_len),
            }
        }
    }
}

#[test]
fn framer_random_bytes() {
    let mut rng = Rng(99);
    for _ in 0..300 {
        let len = rng.below(2000);
        // Bias towards the bytes framing cares about.
        let stream: Vec<u8> = (0..len)
            .map(|_| match rng.below(6) {
                0 => b'\n',
                1 => b' ',
                2 => b'<',
                3 => b'0' + rng.below(10) as u8,
                _ => rng.next() as u8,
            })
            .collect();
        let max_len = 1 + rng.below(100);
        let mut f = Framer::new(max_len);
        for chunk in stream.chunks(1 + rng.below(64)) {
            f.push(chunk);
            while let Some(fr) = f.next_frame() {
                if let Ok(b) = fr {
                    assert!(b.len() <= max_len);
                    let _ = parse_syslog(&b, 0);
                }
            }
        }
        let _ = f.finish();
        assert_eq!(f.buffered(), 0);
    }
    // A zero limit reports every non-empty frame instead of panicking.
    let mut f = Framer::new(0);
    f.push(b"<13>a\n5 <13>x");
    assert!(matches!(
        f.next_frame(),
        Some(Err(FrameError::TooLong { .. }))
    ));
    assert!(matches!(
        f.next_frame(),
        Some(Err(FrameError::TooLong { .. }))
    ));
}

#[test]
fn framer_every_truncation_of_a_stream() {
    // A mixed stream cut at every byte: whatever arrived is returned as frames, an error or the
    // trailing partial frame, and nothing panics.
    let lines = lines();
    let mut stream = Vec::new();
    for (i, l) in lines.iter().take(24).enumerate() {
        let msg = format!("<13>{l}");
        if i % 3 == 0 {
            stream.extend_from_slice(format!("{} {msg}", msg.len()).as_bytes());
        } else {
            stream.extend_from_slice(format!("{msg}\r\n").as_bytes());
        }
    }
    for cut in 0..=stream.len() {
        let mut f = Framer::new(160);
        f.push(&stream[..cut]);
        let mut delivered = 0;
        while let Some(fr) = f.next_frame() {
            delivered += match fr {
                Ok(b) => b.len(),
                Err(FrameError::TooLong { head, .. }) => head.len(),
            };
        }
        delivered += f.finish().map_or(0, |b| b.len());
        assert!(delivered <= cut);
        assert_eq!(f.buffered(), 0);
    }
}
