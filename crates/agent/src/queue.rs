//! The on-disk queue: numbered messages appended to `queue.jsonl` (flushed to disk before a
//! push returns), the highest number the server acknowledged in `acked`. Bounded: a push that
//! would take the unacknowledged bytes past the limit is refused, and the producer keeps its
//! place (a log file's offset does not move) to try again later — nothing is dropped. Resent
//! messages keep their numbers, so the server applies each once.

use anyhow::{Context, Result};
use canhgac_domain::agent::{Message, Queued};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// The queue.
pub struct Queue {
    dir: PathBuf,
    max_bytes: u64,
    /// Unacknowledged messages with their serialized size, oldest first.
    pending: Vec<(Queued, u64)>,
    next: u64,
    acked: u64,
}

/// A push refused because the queue is full.
#[derive(Debug)]
pub struct Full;

impl Queue {
    /// Opens (or creates) the queue in a folder; what was not acknowledged is read back.
    pub fn open(dir: &Path, max_bytes: u64) -> Result<Queue> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let acked: u64 = std::fs::read_to_string(dir.join("acked"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        let mut pending = Vec::new();
        let mut next = acked + 1;
        if let Ok(f) = File::open(dir.join("queue.jsonl")) {
            for line in BufReader::new(f).lines() {
                let Ok(line) = line else { break };
                // A line cut short by a crash mid-write ends the queue there.
                let Ok(q) = serde_json::from_str::<Queued>(&line) else {
                    break;
                };
                next = next.max(q.seq + 1);
                if q.seq > acked {
                    pending.push((q, line.len() as u64 + 1));
                }
            }
        }
        Ok(Queue {
            dir: dir.to_path_buf(),
            max_bytes,
            pending,
            next,
            acked,
        })
    }

    /// Bytes waiting.
    pub fn bytes(&self) -> u64 {
        self.pending.iter().map(|p| p.1).sum()
    }

    /// Messages waiting.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Appends a message (durable when this returns), or refuses it when the queue is full.
    pub fn push(&mut self, body: Message, at: i64) -> Result<Result<u64, Full>> {
        let q = Queued {
            seq: self.next,
            at,
            body,
        };
        let line = serde_json::to_string(&q)?;
        let size = line.len() as u64 + 1;
        if !self.pending.is_empty() && self.bytes() + size > self.max_bytes {
            return Ok(Err(Full));
        }
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("queue.jsonl"))?;
        f.write_all(line.as_bytes())?;
        f.write_all(b"\n")?;
        f.sync_data()?;
        self.next += 1;
        self.pending.push((q, size));
        Ok(Ok(self.next - 1))
    }

    /// The oldest messages, at most `max` and about `max_bytes` bytes.
    pub fn peek(&self, max: usize, max_bytes: u64) -> Vec<Queued> {
        let mut out = Vec::new();
        let mut bytes = 0;
        for (q, size) in &self.pending {
            if out.len() >= max || (!out.is_empty() && bytes + size > max_bytes) {
                break;
            }
            bytes += size;
            out.push(q.clone());
        }
        out
    }

    /// The server applied everything up to `seq`: forget it (the file is rewritten with what
    /// remains).
    pub fn ack(&mut self, seq: u64) -> Result<()> {
        if seq <= self.acked {
            return Ok(());
        }
        self.acked = seq;
        let tmp = self.dir.join("acked.tmp");
        std::fs::write(&tmp, seq.to_string())?;
        std::fs::rename(&tmp, self.dir.join("acked"))?;
        self.pending.retain(|(q, _)| q.seq > seq);
        let tmp = self.dir.join("queue.tmp");
        {
            let mut f = File::create(&tmp)?;
            for (q, _) in &self.pending {
                f.write_all(serde_json::to_string(q)?.as_bytes())?;
                f.write_all(b"\n")?;
            }
            f.sync_data()?;
        }
        std::fs::rename(&tmp, self.dir.join("queue.jsonl"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logs(n: usize) -> Message {
        Message::Logs {
            file: "/var/log/x".into(),
            lines: vec!["x".repeat(n)],
        }
    }

    #[test]
    fn survives_a_restart_and_keeps_numbers() {
        let dir = std::env::temp_dir().join(format!("cg-queue-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut q = Queue::open(&dir, 1 << 20).expect("open");
        for _ in 0..5 {
            q.push(logs(10), 0).expect("io").expect("room");
        }
        q.ack(2).expect("ack");
        drop(q);
        let mut q = Queue::open(&dir, 1 << 20).expect("reopen");
        let seqs: Vec<u64> = q.peek(100, 1 << 20).iter().map(|m| m.seq).collect();
        assert_eq!(seqs, [3, 4, 5]);
        assert_eq!(q.push(logs(1), 0).expect("io").expect("room"), 6);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn refuses_past_its_bound_and_never_drops() {
        let dir = std::env::temp_dir().join(format!("cg-queue-full-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut q = Queue::open(&dir, 300).expect("open");
        assert!(q.push(logs(200), 0).expect("io").is_ok());
        assert!(q.push(logs(200), 0).expect("io").is_err());
        assert_eq!(q.len(), 1);
        q.ack(1).expect("ack");
        assert!(q.push(logs(200), 0).expect("io").is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
