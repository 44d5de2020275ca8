//! Idempotency records, kept beside the events under the same lock, so
//! that a batch and its record are written together.

use std::{collections::HashMap, ops::Range, time::Instant};

use eventcore::{
    IdempotencyKey, StoreError, Timestamp,
    store::{IdempotencyClaim, IdempotencyRecord},
};

use crate::EventLog;

/// The records, by key.
#[derive(Debug, Default)]
pub(crate) struct Keys {
    records: HashMap<IdempotencyKey, KeyRecord, foldhash::fast::RandomState>,
}

/// What is kept under one key.
#[derive(Debug)]
struct KeyRecord {
    /// The claim, as the batch made it.
    claim: IdempotencyClaim,
    recorded_at: Timestamp,
    /// When it expires, by the process's monotonic clock, and as reported.
    expires: Option<(Instant, Timestamp)>,
    /// The log indexes of the batch's events (one batch's events are
    /// consecutive in the log).
    indexes: Range<usize>,
}

impl KeyRecord {
    fn is_live(&self, now: Instant) -> bool {
        self.expires.is_none_or(|(at, _)| at > now)
    }
}

impl Keys {
    /// Refuses a claim on a key that is recorded and live.
    pub(crate) fn check(&self, claim: &IdempotencyClaim) -> Result<(), StoreError> {
        match self.records.get(claim.key()) {
            Some(record) if record.is_live(Instant::now()) => {
                Err(StoreError::IdempotencyKeyRecorded {
                    key: claim.key().clone(),
                })
            }
            _ => Ok(()),
        }
    }

    /// Records `claim` for the batch written at `indexes` (replacing an
    /// expired record of its key).
    pub(crate) fn record(&mut self, claim: IdempotencyClaim, indexes: Range<usize>) {
        let recorded_at = Timestamp::now();
        let expires = claim.retention().map(|retention| {
            let at = Instant::now().checked_add(retention);
            let reported = chrono::Duration::from_std(retention)
                .ok()
                .and_then(|d| recorded_at.into_inner().checked_add_signed(d))
                .map(Timestamp::from);
            (at, reported)
        });
        let expires = match expires {
            // Beyond what the clocks can hold: for ever, in practice.
            Some((Some(at), Some(reported))) => Some((at, reported)),
            _ => None,
        };
        self.records.insert(
            claim.key().clone(),
            KeyRecord {
                claim,
                recorded_at,
                expires,
                indexes,
            },
        );
    }

    /// Deletes the expired records; returns how many.
    pub(crate) fn purge(&mut self) -> u64 {
        let now = Instant::now();
        let before = self.records.len();
        self.records.retain(|_, record| record.is_live(now));
        (before - self.records.len()) as u64
    }
}

impl EventLog {
    /// The live record of `key`, with its events.
    pub(crate) fn idempotency_record(&self, key: &IdempotencyKey) -> Option<IdempotencyRecord> {
        let record = self.keys.records.get(key)?;
        if !record.is_live(Instant::now()) {
            return None;
        }
        Some(IdempotencyRecord::new(
            key.clone(),
            record.claim.command().to_owned(),
            record.claim.fingerprint(),
            record.recorded_at,
            record.expires.map(|(_, reported)| reported),
            self.log[record.indexes.clone()].to_vec(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn claim(retention: Option<Duration>) -> IdempotencyClaim {
        let claim = IdempotencyClaim::new(
            IdempotencyKey::try_new("k").unwrap(),
            "Cmd",
            uuid::Uuid::nil(),
        );
        match retention {
            Some(r) => claim.retained_for(r),
            None => claim,
        }
    }

    #[test]
    fn a_record_kept_for_ever_is_never_purged() {
        let mut keys = Keys::default();
        keys.record(claim(None), 0..0);
        assert_eq!(keys.purge(), 0);
        assert!(keys.check(&claim(None)).is_err());
    }

    #[test]
    fn an_expired_record_is_absent_and_purged() {
        let mut keys = Keys::default();
        keys.record(claim(Some(Duration::ZERO)), 0..0);
        assert!(keys.check(&claim(None)).is_ok());
        assert_eq!(keys.purge(), 1);
    }

    #[test]
    fn a_retention_beyond_the_clock_keeps_for_ever() {
        let mut keys = Keys::default();
        keys.record(claim(Some(Duration::MAX)), 0..0);
        assert!(keys.check(&claim(None)).is_err());
        assert_eq!(keys.purge(), 0);
    }
}
