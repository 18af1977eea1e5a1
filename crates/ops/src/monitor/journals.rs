//! Correlation counts kept true when a batch is not stored.
//!
//! A batch is counted by the correlation rules when it is matched, before it is stored (its
//! correlation alerts go into the outbox in the batch's transaction). When the store refuses it
//! — a failed transaction, a stream cursor that moved — it is sent again, and without this its
//! events would be counted twice: three failed logons, retried once, would meet a "six in five
//! minutes" rule. Each batch's changes are kept in a [`Journal`] until it is stored; a refused
//! batch's are undone, with those of every batch counted after it (newest first, so that each
//! journal finds the state it was taken from), before anything more is counted.
//!
//! A batch counted after a refused one is undone even if it is then stored: a correlation may
//! then miss its events, but none is counted twice. Behind a stream cursor (the spool, a worker's
//! partition) the batches after a refused one are refused too and sent again, so nothing is
//! missed there.

use canhgac_detect::{CorrelationState, Journal};
use std::collections::VecDeque;

/// The journals of the batches counted and not yet stored, oldest first.
#[derive(Default)]
pub(super) struct Journals {
    open: VecDeque<(u64, Journal)>,
    next: u64,
    /// The oldest refused batch still to be undone: it and every batch after it.
    undo_from: Option<u64>,
}

impl Journals {
    /// Keeps a counted batch's journal; returns the batch's number.
    pub(super) fn push(&mut self, j: Journal) -> u64 {
        let seq = self.next;
        self.next += 1;
        self.open.push_back((seq, j));
        seq
    }

    /// Batch `seq` was stored: its journal, and any older one, is no longer needed.
    pub(super) fn stored(&mut self, seq: u64) {
        while self.open.front().is_some_and(|(s, _)| *s <= seq) {
            self.open.pop_front();
        }
    }

    /// Batch `seq` was refused: it is to be undone (with the batches after it) before more is
    /// counted. A batch that changed no window needs nothing undone.
    pub(super) fn refused(&mut self, seq: u64) {
        let Some(i) = self.open.iter().position(|(s, _)| *s == seq) else {
            // Already undone (a batch before it was refused), or forgotten by a reload.
            return;
        };
        if self.open[i].1.is_empty() {
            // It changed no window: nothing to put back, for it or the batches after it.
            self.open.remove(i);
            return;
        }
        self.undo_from = Some(self.undo_from.map_or(seq, |u| u.min(seq)));
    }

    /// Puts back, newest first, what the refused batches and those after them counted.
    pub(super) fn undo_refused(&mut self, st: &mut CorrelationState) {
        let Some(from) = self.undo_from.take() else {
            return;
        };
        while self.open.back().is_some_and(|(s, _)| *s >= from) {
            if let Some((_, j)) = self.open.pop_back() {
                st.undo(j);
            }
        }
    }

    /// The counts were started afresh (rules reloaded) or changed outside any batch (a
    /// partition's history counted again): the journals no longer apply.
    pub(super) fn clear(&mut self) {
        self.open.clear();
        self.undo_from = None;
    }
}
