//! Offline analysis of a file with the live detector: a pcap (flow exports inside, or raw
//! traffic) or an nfdump file, its flows run through [`Detector`] on their own clock.

use serde::Serialize;

use crate::decode::DecodeStats;
use crate::detect::{Attack, DetectStats, Event, Minute, Settings, Thresholds};
use crate::nfdump::{self, NfdumpStats};
use crate::pcap::{self, ReplayStats};
use crate::{Decoder, Detector, FlowRecord};

/// What a file held and what the detector made of it.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    /// `pcap` or `nfdump`.
    pub file: &'static str,
    pub flows: u64,
    pub decode: DecodeStats,
    pub capture: Option<ReplayStats>,
    pub nfdump: Option<NfdumpStats>,
    pub detect: DetectStats,
    /// Every attack, as it ended (or as it stood at the end of the file).
    pub attacks: Vec<Attack>,
    pub minutes: Vec<Minute>,
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
}

/// Why a file could not be analysed.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("{0}")]
    Pcap(#[from] pcap::PcapError),
    #[error("{0}")]
    Nfdump(#[from] nfdump::NfdumpError),
}

/// Reads `bytes` (nfdump when it starts like one, else a capture) and runs every flow through
/// a detector over `prefixes`, in time order.
pub fn analyse(
    bytes: &[u8],
    prefixes: Vec<(ipnet::IpNet, i64, Thresholds)>,
    settings: Settings,
) -> Result<Analysis, ReplayError> {
    let mut flows: Vec<FlowRecord> = Vec::new();
    let mut decoder = Decoder::new();
    let (file, capture, nf) = if nfdump::is_nfdump(bytes) {
        let f = nfdump::read(bytes)?;
        flows = f.flows;
        ("nfdump", None, Some(f.stats))
    } else {
        let st = pcap::replay(bytes, &mut decoder, &mut flows)?;
        ("pcap", Some(st), None)
    };
    // The detector's clock is each flow's end; a capture's packets are in order already, an
    // export's or nfdump's flows nearly so.
    flows.sort_by_key(|r| r.end_ms);
    let mut det = Detector::new(prefixes, settings);
    let mut attacks: Vec<Attack> = Vec::new();
    let mut minutes = Vec::new();
    let mut take = |det: &mut Detector, attacks: &mut Vec<Attack>| {
        for e in det.drain_events() {
            let a = match e {
                Event::Started(a) | Event::Ongoing(a) | Event::Ended(a) => a,
            };
            match attacks.iter_mut().find(|x| x.seq == a.seq) {
                Some(x) => *x = a,
                None => attacks.push(a),
            }
        }
        minutes.extend(det.drain_minutes());
    };
    for (i, r) in flows.iter().enumerate() {
        det.observe(r, r.end_ms);
        if i % 4096 == 0 {
            take(&mut det, &mut attacks);
        }
    }
    det.finish();
    take(&mut det, &mut attacks);
    Ok(Analysis {
        file,
        flows: flows.len() as u64,
        decode: decoder.stats,
        capture,
        nfdump: nf,
        detect: det.stats,
        attacks,
        minutes,
        first_ms: flows.first().map(|r| r.end_ms),
        last_ms: flows.last().map(|r| r.end_ms),
    })
}
