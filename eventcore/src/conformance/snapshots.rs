//! Snapshots at the port: one per stream and state type, saved and loaded
//! as they were, never turned back, and dropped by state type, in every
//! store.

use serde_json::json;

use super::support::{ConformanceStore, ScenarioResult, ensure, ensure_eq, stream};
use crate::{StreamId, StreamVersion, ValidationError, store::Snapshot};

fn snapshot(
    stream: &StreamId,
    state_type: &str,
    version: u64,
    fingerprint: &str,
    state: serde_json::Value,
) -> Result<Snapshot, ValidationError> {
    Snapshot::new(
        stream.clone(),
        state_type,
        StreamVersion::new(version),
        fingerprint,
        state,
    )
}

/// A saved snapshot loads exactly as saved (nested, unicode state); a
/// stream or a state type without one loads as none; the state types of
/// one stream are kept apart.
pub async fn a_saved_snapshot_loads_as_saved<S: ConformanceStore>(store: S) -> ScenarioResult {
    let (a, b) = (stream("snap-a")?, stream("snap-b")?);
    let state = json!({ "balance": 1250, "owner": "Zoë ✓", "history": [1, [2, { "n": null }]] });
    let saved = snapshot(&a, "Account", 40, "fold-1", state)?;
    ensure!(
        store.save_snapshot(saved.clone()).await?,
        "the first save was not written"
    );
    ensure_eq!(
        store.load_snapshot(&a, "Account").await?,
        Some(saved.clone()),
        "loaded"
    );
    ensure_eq!(
        store.load_snapshot(&b, "Account").await?,
        None,
        "another stream"
    );
    ensure_eq!(
        store.load_snapshot(&a, "Audit").await?,
        None,
        "another state type"
    );
    let audit = snapshot(&a, "Audit", 3, "fold-9", json!([]))?;
    store.save_snapshot(audit.clone()).await?;
    ensure_eq!(
        store.load_snapshot(&a, "Account").await?,
        Some(saved),
        "the account after the audit's save"
    );
    ensure_eq!(
        store.load_snapshot(&a, "Audit").await?,
        Some(audit),
        "the audit"
    );
    Ok(())
}

/// A stream keeps one snapshot per state type: a newer one replaces it, an
/// older one with the same fingerprint is refused (a slow writer never
/// turns it back), and one with another fingerprint (other code) replaces
/// it whatever its version.
pub async fn a_snapshot_is_replaced_and_never_turned_back<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let a = stream("snap-replaced")?;
    let load = || store.load_snapshot(&a, "Account");
    store
        .save_snapshot(snapshot(&a, "Account", 5, "fold-1", json!(5))?)
        .await?;
    ensure!(
        !store
            .save_snapshot(snapshot(&a, "Account", 3, "fold-1", json!(3))?)
            .await?,
        "an older snapshot was written"
    );
    ensure_eq!(
        load().await?.map(|s| s.version().value()),
        Some(5),
        "after the older save"
    );
    ensure!(
        store
            .save_snapshot(snapshot(&a, "Account", 5, "fold-1", json!("again"))?)
            .await?,
        "the same version again was refused"
    );
    ensure!(
        store
            .save_snapshot(snapshot(&a, "Account", 8, "fold-1", json!(8))?)
            .await?,
        "a newer snapshot was refused"
    );
    ensure!(
        store
            .save_snapshot(snapshot(&a, "Account", 2, "fold-2", json!(2))?)
            .await?,
        "a snapshot of new code was refused"
    );
    let now = load().await?;
    ensure_eq!(
        now.as_ref().map(|s| (
            s.version().value(),
            s.fingerprint().to_owned(),
            s.state().clone()
        )),
        Some((2, "fold-2".to_owned(), json!(2))),
        "the snapshot kept"
    );
    Ok(())
}

/// Dropping a state type's snapshots deletes them in every stream and
/// leaves other state types alone.
pub async fn snapshots_are_dropped_by_state_type<S: ConformanceStore>(store: S) -> ScenarioResult {
    let (a, b) = (stream("snap-drop-a")?, stream("snap-drop-b")?);
    for s in [&a, &b] {
        store
            .save_snapshot(snapshot(s, "Account", 1, "f", json!(1))?)
            .await?;
        store
            .save_snapshot(snapshot(s, "Audit", 1, "f", json!(1))?)
            .await?;
    }
    ensure_eq!(store.drop_snapshots("Account").await?, 2, "dropped");
    ensure_eq!(store.drop_snapshots("Account").await?, 0, "dropped twice");
    ensure_eq!(
        store.load_snapshot(&a, "Account").await?,
        None,
        "a's account"
    );
    ensure!(
        store.load_snapshot(&b, "Audit").await?.is_some(),
        "another state type was dropped"
    );
    Ok(())
}
