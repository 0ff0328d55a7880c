//! The rebuild: each entry line checked against itself and the chain so far,
//! queued in batches that share `recorded_at` and `recorded_by`, appended through
//! the journal's ordinary append (so a fact `sitrep append` would refuse is
//! refused), each outcome required to be exactly the file's entry, and the final
//! line checked against the rebuilt size, head and root.

use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{Map, Value};

use super::header::Header;
use super::lines::Lines;
use super::members::{
    check_members, first_difference, hex_member, member, member_error, string_member, u64_member,
};
use super::{entry_json, ImportError, ImportOptions, ImportSummary, ENTRY_MEMBERS, FINAL_MEMBERS};
use crate::codec;
use crate::entry::{Seq, FORMAT_VERSION};
use crate::fact::Fact;
use crate::hash::Id;
use crate::journal::{AppendError, AppendOptions, FactOutcome, Journal, OpenError};
use crate::merkle::Hash;
use crate::time::{FixedClock, Timestamp};

/// An entry read and checked, waiting for its batch to be appended.
struct Pending {
    slot: Slot,
    fact: Fact,
}

/// Where a queued entry came from and what the journal must make of it.
struct Slot {
    line: u64,
    seq: Seq,
    id: Id,
    key: String,
}

/// The rebuilding state: the chain as the file gives it so far, and the batch of
/// entries that share `recorded_at` and `recorded_by`.
struct Rebuild<'j> {
    journal: &'j mut Journal,
    max_batch: usize,
    progress: crate::progress::Progress,
    next_seq: u64,
    last_id: Id,
    last_recorded_at: Option<Timestamp>,
    group: Option<(Timestamp, String)>,
    pending: Vec<Pending>,
}

/// Creates the journal in `tmp` and appends every entry line to it, in batches,
/// until the final line, which it checks; the journal is dropped on return.
pub(super) fn rebuild(
    tmp: &Path,
    header: &Header,
    lines: &mut Lines<'_>,
    options: &ImportOptions,
) -> Result<ImportSummary, ImportError> {
    let mut journal = Journal::init(tmp, &header.origin).map_err(|e| match e {
        OpenError::BadOrigin(_) => member_error(1, "origin", format!("is refused: {e}")),
        other => ImportError::Open(other),
    })?;
    let mut state = Rebuild {
        journal: &mut journal,
        max_batch: options.max_batch.max(1),
        progress: options.progress.clone(),
        next_seq: 0,
        last_id: header.genesis,
        last_recorded_at: None,
        group: None,
        pending: Vec::new(),
    };
    let (root, final_line) = loop {
        if !lines.advance()? {
            return Err(ImportError::Truncated {
                after: lines.number,
            });
        }
        let line = lines.number;
        let object = lines.object()?;
        if object.contains_key("seq") {
            state.entry_line(line, &object)?;
        } else if object.contains_key("size") {
            state.append_pending()?;
            let root = state.final_line(line, &object)?;
            break (root, line);
        } else {
            return Err(ImportError::Line {
                line,
                problem: "is neither an entry line (it has no `seq`) nor the final line (it has no `size`)".to_owned(),
            });
        }
    };
    if !lines.terminated {
        return Err(ImportError::Line {
            line: final_line,
            problem: "does not end with a newline (truncated?)".to_owned(),
        });
    }
    if lines.advance()? {
        return Err(ImportError::AfterFinal { line: lines.number });
    }
    let size = state.next_seq;
    let head = state.last_id;
    journal.flush()?;
    Ok(ImportSummary {
        path: tmp.to_path_buf(),
        origin: header.origin.clone(),
        size,
        root,
        head,
    })
}

impl Rebuild<'_> {
    /// Checks one entry line against itself and the chain so far, and queues it.
    fn entry_line(&mut self, line: u64, object: &Map<String, Value>) -> Result<(), ImportError> {
        check_members(line, object, ENTRY_MEMBERS, "an entry line")?;
        let seq = u64_member(line, object, "seq")?;
        if seq != self.next_seq {
            return Err(member_error(
                line,
                "seq",
                format!(
                    "is {seq} but this line holds entry {} (entries are numbered from 0, without gaps)",
                    self.next_seq
                ),
            ));
        }
        let id = hex_member(line, object, "id")?;
        let prev = hex_member(line, object, "prev")?;
        if prev != self.last_id {
            let before = if seq == 0 {
                "the genesis value of the header's origin"
            } else {
                "the previous entry's id"
            };
            return Err(member_error(
                line,
                "prev",
                format!("is {} but {before} is {}", prev, self.last_id),
            ));
        }
        let bytes = STANDARD
            .decode(string_member(line, object, "bytes")?)
            .map_err(|e| member_error(line, "bytes", format!("is not standard base64: {e}")))?;
        let hashed = Id::of_entry(&bytes);
        if hashed != id {
            return Err(ImportError::IdMismatch {
                line,
                claimed: id,
                hashed,
            });
        }
        // `decode_entry` re-encodes what it decoded and refuses bytes that differ.
        let entry =
            codec::decode_entry(&bytes).map_err(|source| ImportError::Codec { line, source })?;
        if entry.version != FORMAT_VERSION {
            return Err(member_error(
                line,
                "bytes",
                format!(
                    "hold an entry of format version {}; this sitrep reads version {FORMAT_VERSION} only",
                    entry.version
                ),
            ));
        }
        if entry.seq.get() != seq {
            return Err(member_error(
                line,
                "bytes",
                format!("hold the entry at seq {} but `seq` is {seq}", entry.seq),
            ));
        }
        if entry.prev != prev {
            return Err(member_error(
                line,
                "bytes",
                format!(
                    "hold an entry whose prev is {} but `prev` is {}",
                    entry.prev, prev
                ),
            ));
        }
        let expected = entry_json(&entry).map_err(|e| {
            member_error(
                line,
                "bytes",
                format!("hold a fact that cannot be shown as JSON: {e}"),
            )
        })?;
        let given = member(line, object, "entry")?;
        if *given != expected {
            return Err(member_error(
                line,
                "entry",
                format!(
                    "does not match the entry in `bytes` (first difference at `{}`)",
                    first_difference("entry", given, &expected)
                ),
            ));
        }
        if let Some(before) = self.last_recorded_at {
            if entry.recorded_at < before {
                return Err(member_error(
                    line,
                    "bytes",
                    format!(
                        "hold an entry recorded at {}, before the previous entry ({before}); a ledger's clock never goes back",
                        entry.recorded_at
                    ),
                ));
            }
        }
        let same_group = matches!(&self.group,
            Some((at, by)) if *at == entry.recorded_at && *by == entry.recorded_by);
        if !same_group || self.pending.len() >= self.max_batch {
            self.append_pending()?;
            self.group = Some((entry.recorded_at, entry.recorded_by.to_string()));
        }
        self.pending.push(Pending {
            slot: Slot {
                line,
                seq: entry.seq,
                id,
                key: entry.fact.key.to_string(),
            },
            fact: entry.fact,
        });
        self.next_seq += 1;
        self.last_id = id;
        self.last_recorded_at = Some(entry.recorded_at);
        Ok(())
    }

    /// Appends the queued entries as one batch, with their recording time and
    /// recorder, and requires the journal to have made exactly the file's entries.
    fn append_pending(&mut self) -> Result<(), ImportError> {
        let Some((at, by)) = self.group.clone() else {
            return Ok(());
        };
        if self.pending.is_empty() {
            return Ok(());
        }
        let (slots, facts): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pending)
            .into_iter()
            .map(|p| (p.slot, p.fact))
            .unzip();
        let options = AppendOptions {
            recorded_by: by,
            durable: false,
            dry_run: false,
        };
        let report = self
            .journal
            .append(facts, &FixedClock(at), &options)
            .map_err(|e| match e {
                AppendError::Invalid { index, problem } => match slots.get(index) {
                    Some(slot) => ImportError::Refused {
                        line: slot.line,
                        key: slot.key.clone(),
                        problem,
                    },
                    None => ImportError::Append(AppendError::Invalid { index, problem }),
                },
                other => ImportError::Append(other),
            })?;
        self.progress.advance(slots.len() as u64);
        for (slot, outcome) in slots.iter().zip(&report.outcomes) {
            match outcome {
                FactOutcome::Recorded { seq, id, .. } if *seq == slot.seq && *id == slot.id => {}
                FactOutcome::Recorded { id, .. } => {
                    return Err(ImportError::Rebuilt {
                        line: slot.line,
                        rebuilt: *id,
                        claimed: slot.id,
                    })
                }
                FactOutcome::AlreadyRecorded { seq } => {
                    return Err(ImportError::Duplicate {
                        line: slot.line,
                        key: slot.key.clone(),
                        seq: *seq,
                    })
                }
            }
        }
        Ok(())
    }

    /// Checks the final line against what was rebuilt; returns the root.
    fn final_line(&self, line: u64, object: &Map<String, Value>) -> Result<Hash, ImportError> {
        check_members(line, object, FINAL_MEMBERS, "the final line")?;
        let size = u64_member(line, object, "size")?;
        if size != self.next_seq {
            return Err(member_error(
                line,
                "size",
                format!("is {size} but the file holds {} entries", self.next_seq),
            ));
        }
        let head = hex_member(line, object, "head")?;
        if head != self.last_id {
            let last = if self.next_seq == 0 {
                "the genesis value (the file holds no entries)"
            } else {
                "the last entry's id"
            };
            return Err(member_error(
                line,
                "head",
                format!("is {} but {last} is {}", head, self.last_id),
            ));
        }
        let claimed = hex_member(line, object, "root")?;
        let root = self.journal.root()?;
        if claimed != Id::from_bytes(root) {
            return Err(member_error(
                line,
                "root",
                format!(
                    "is {} but the rebuilt ledger's root is {}",
                    claimed,
                    Id::from_bytes(root)
                ),
            ));
        }
        let rebuilt = self.journal.head();
        if rebuilt.size != size || rebuilt.last_id != head {
            return Err(ImportError::Rebuilt {
                line,
                rebuilt: rebuilt.last_id,
                claimed: head,
            });
        }
        Ok(root)
    }
}
