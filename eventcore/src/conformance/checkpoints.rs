use std::time::Duration;

use super::support::{ConformanceStore, ScenarioResult, ensure, ensure_eq};
use crate::{GlobalPosition, error::StoreError};

const TTL: Duration = Duration::from_secs(30);

/// A projection that never saved has no checkpoint.
pub async fn missing_checkpoint_loads_as_none<S: ConformanceStore>(store: S) -> ScenarioResult {
    ensure_eq!(
        store.load_checkpoint("never-saved").await?,
        None,
        "missing checkpoint"
    );
    Ok(())
}

/// A saved checkpoint loads back; names are independent.
pub async fn checkpoint_save_and_load<S: ConformanceStore>(store: S) -> ScenarioResult {
    store
        .save_checkpoint(
            "balances",
            GlobalPosition::START,
            GlobalPosition::new(42),
            None,
        )
        .await?;
    store
        .save_checkpoint(
            "orders",
            GlobalPosition::START,
            GlobalPosition::new(7),
            None,
        )
        .await?;
    ensure_eq!(
        store.load_checkpoint("balances").await?,
        Some(GlobalPosition::new(42)),
        "balances"
    );
    ensure_eq!(
        store.load_checkpoint("orders").await?,
        Some(GlobalPosition::new(7)),
        "orders"
    );
    Ok(())
}

/// Saving again from where it is replaces the position, including moving it
/// back (rebuild).
pub async fn checkpoint_overwrite_keeps_latest<S: ConformanceStore>(store: S) -> ScenarioResult {
    store
        .save_checkpoint("p", GlobalPosition::START, GlobalPosition::new(10), None)
        .await?;
    store
        .save_checkpoint("p", GlobalPosition::new(10), GlobalPosition::new(20), None)
        .await?;
    ensure_eq!(
        store.load_checkpoint("p").await?,
        Some(GlobalPosition::new(20)),
        "after 2 saves"
    );
    store
        .save_checkpoint("p", GlobalPosition::new(20), GlobalPosition::START, None)
        .await?;
    ensure_eq!(
        store.load_checkpoint("p").await?,
        Some(GlobalPosition::START),
        "after a reset"
    );
    Ok(())
}

/// A checkpoint write that does not start where the checkpoint is, is
/// refused and changes nothing: a batch replayed after its commit reply was
/// lost must not be recorded twice.
pub async fn checkpoint_save_from_a_stale_position_is_refused<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let (p5, p9) = (GlobalPosition::new(5), GlobalPosition::new(9));
    store
        .save_checkpoint("p", GlobalPosition::START, p5, None)
        .await?;
    // The same batch again, from where it started.
    expect_moved(
        store
            .save_checkpoint("p", GlobalPosition::START, p5, None)
            .await,
        Some(p5),
        "replayed save",
    )?;
    // A save from a position the checkpoint never had.
    expect_moved(
        store
            .save_checkpoint("p", p9, GlobalPosition::new(12), None)
            .await,
        Some(p5),
        "save from a position ahead",
    )?;
    // A never-saved checkpoint is at the start, nowhere else.
    expect_moved(
        store.save_checkpoint("fresh", p5, p9, None).await,
        None,
        "save to a never-saved checkpoint from a later position",
    )?;
    ensure_eq!(store.load_checkpoint("p").await?, Some(p5), "unchanged");
    ensure_eq!(store.load_checkpoint("fresh").await?, None, "still unsaved");
    // With a fence, the stale save is refused too, and so is the write under the
    // right lease from the wrong place.
    let lease = store
        .try_acquire_lease("p", "runner-a", TTL)
        .await?
        .ok_or("free lease refused")?;
    expect_moved(
        store
            .save_checkpoint("p", GlobalPosition::START, p9, Some(&lease))
            .await,
        Some(p5),
        "fenced stale save",
    )?;
    store.save_checkpoint("p", p5, p9, Some(&lease)).await?;
    ensure_eq!(store.load_checkpoint("p").await?, Some(p9), "moved on");
    Ok(())
}

fn expect_moved(
    result: Result<(), StoreError>,
    actual: Option<GlobalPosition>,
    what: &str,
) -> ScenarioResult {
    match result {
        Err(StoreError::CheckpointMoved { actual: found, .. }) if found == actual => Ok(()),
        other => Err(format!(
            "{what} must fail with CheckpointMoved {{ actual: {actual:?} }}, got {other:?}"
        )
        .into()),
    }
}

/// While one holder has a lease nobody else gets it; the holder may re-acquire.
pub async fn lease_is_exclusive<S: ConformanceStore>(store: S) -> ScenarioResult {
    let first = store
        .try_acquire_lease("proj", "runner-a", TTL)
        .await?
        .ok_or("free lease refused")?;
    ensure_eq!(first.holder(), "runner-a", "holder");
    ensure_eq!(first.name(), "proj", "name");
    let other = store.try_acquire_lease("proj", "runner-b", TTL).await?;
    ensure!(
        other.is_none(),
        "a held lease was granted to another holder: {other:?}"
    );
    let again = store.try_acquire_lease("proj", "runner-a", TTL).await?;
    ensure_eq!(
        again.map(|l| l.token()),
        Some(first.token()),
        "re-acquire keeps the token"
    );
    let unrelated = store
        .try_acquire_lease("other-proj", "runner-b", TTL)
        .await?;
    ensure!(unrelated.is_some(), "leases of other names are independent");
    Ok(())
}

/// After a release, another holder gets the lease with a higher fencing token.
pub async fn released_lease_can_be_taken_by_another_holder<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let a = store
        .try_acquire_lease("proj", "runner-a", TTL)
        .await?
        .ok_or("free lease refused")?;
    store.release_lease(&a).await?;
    let b = store
        .try_acquire_lease("proj", "runner-b", TTL)
        .await?
        .ok_or("released lease refused")?;
    ensure!(
        b.token() > a.token(),
        "token must grow: {} then {}",
        a.token(),
        b.token()
    );
    // Releasing a lease no longer held is harmless and does not free b's lease.
    store.release_lease(&a).await?;
    let c = store.try_acquire_lease("proj", "runner-c", TTL).await?;
    ensure!(
        c.is_none(),
        "a stale release freed the current holder's lease"
    );
    Ok(())
}

/// Renewal extends a held lease and fails once the lease changed hands.
pub async fn renewal_fails_after_takeover<S: ConformanceStore>(store: S) -> ScenarioResult {
    let a = store
        .try_acquire_lease("proj", "runner-a", TTL)
        .await?
        .ok_or("free lease refused")?;
    let renewed = store.renew_lease(&a, TTL).await?;
    ensure_eq!(renewed.token(), a.token(), "renewal keeps the token");
    ensure!(
        renewed.expires_at() >= a.expires_at(),
        "renewal must not shorten the lease"
    );
    store.release_lease(&a).await?;
    store
        .try_acquire_lease("proj", "runner-b", TTL)
        .await?
        .ok_or("released lease refused")?;
    match store.renew_lease(&a, TTL).await {
        Err(StoreError::LeaseLost { .. }) => Ok(()),
        other => {
            Err(format!("renewing a lost lease must fail with LeaseLost, got {other:?}").into())
        }
    }
}

/// A runner whose lease was taken over cannot move the checkpoint.
pub async fn fenced_checkpoint_is_refused_after_lease_is_lost<S: ConformanceStore>(
    store: S,
) -> ScenarioResult {
    let a = store
        .try_acquire_lease("proj", "runner-a", TTL)
        .await?
        .ok_or("free lease refused")?;
    store
        .save_checkpoint(
            "proj",
            GlobalPosition::START,
            GlobalPosition::new(5),
            Some(&a),
        )
        .await?;
    store.release_lease(&a).await?;
    let b = store
        .try_acquire_lease("proj", "runner-b", TTL)
        .await?
        .ok_or("released lease refused")?;
    match store
        .save_checkpoint(
            "proj",
            GlobalPosition::new(5),
            GlobalPosition::new(9),
            Some(&a),
        )
        .await
    {
        Err(StoreError::LeaseLost { .. }) => {}
        other => {
            return Err(
                format!("stale holder's save must fail with LeaseLost, got {other:?}").into(),
            );
        }
    }
    ensure_eq!(
        store.load_checkpoint("proj").await?,
        Some(GlobalPosition::new(5)),
        "unchanged"
    );
    store
        .save_checkpoint(
            "proj",
            GlobalPosition::new(5),
            GlobalPosition::new(9),
            Some(&b),
        )
        .await?;
    ensure_eq!(
        store.load_checkpoint("proj").await?,
        Some(GlobalPosition::new(9)),
        "new holder"
    );
    Ok(())
}

/// A lease that is not renewed expires and can be taken over.
pub async fn expired_lease_is_taken_over<S: ConformanceStore>(store: S) -> ScenarioResult {
    let short = Duration::from_millis(300);
    let a = store
        .try_acquire_lease("proj", "crashed", short)
        .await?
        .ok_or("free lease refused")?;
    let early = store.try_acquire_lease("proj", "successor", TTL).await?;
    ensure!(early.is_none(), "a live lease was taken over early");
    tokio::time::sleep(short + Duration::from_millis(200)).await;
    let b = store
        .try_acquire_lease("proj", "successor", TTL)
        .await?
        .ok_or("expired lease not taken over")?;
    ensure!(b.token() > a.token(), "takeover must raise the token");
    match store
        .save_checkpoint(
            "proj",
            GlobalPosition::START,
            GlobalPosition::new(1),
            Some(&a),
        )
        .await
    {
        Err(StoreError::LeaseLost { .. }) => Ok(()),
        other => Err(format!("expired holder's save must fail, got {other:?}").into()),
    }
}
