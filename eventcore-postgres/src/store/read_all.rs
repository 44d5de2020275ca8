//! The store-wide feed: gap-safe `read_all`, `head_position` and
//! `count_events`.

use eventcore::{
    GlobalPosition, StoreError,
    store::{EventFilter, HeldBack, StoredEvent, UndecodableEvent},
};
use sqlx::Row;

use super::{
    rows::{decode_row, position_param, to_position},
    shared::Shared,
    visibility::{Head, VisibilityWait},
};

/// Up to `limit` events after `after` that match `filter`, never past the
/// gap-safe bound, each row that does not decode in its place as an
/// [`UndecodableEvent`]. While newer events are held back by an append to
/// this store still in flight, waits for it (up to the visibility wait)
/// before answering.
pub(super) async fn read_all_lenient(
    shared: &Shared,
    after: GlobalPosition,
    filter: &EventFilter,
    limit: usize,
) -> Result<Vec<Result<StoredEvent, UndecodableEvent>>, StoreError> {
    let types: Option<Vec<&str>> = filter
        .event_types()
        .map(|t| t.iter().map(AsRef::as_ref).collect());
    if limit == 0 || types.as_ref().is_some_and(Vec::is_empty) {
        return Ok(Vec::new());
    }
    let prefix = filter.stream_prefix().filter(|p| !p.is_empty());
    let sql = shared.sql.read_all.get(prefix.is_some(), types.is_some());
    let after_param = position_param(after)?;
    let limit_param = i64::try_from(limit).unwrap_or(i64::MAX);
    let map = shared.errors.on("read_all");
    let mut waiter = VisibilityWait::new(shared.visibility_wait);
    loop {
        let pool = shared.pool_for("read_all").await?;
        // Its own statement first: the events are then read with a newer
        // snapshot (see migration 5).
        let horizon: i64 = sqlx::query_scalar(&shared.sql.read_horizon)
            .fetch_one(pool)
            .await
            .map_err(&map)?;
        let mut query = sqlx::query(sql)
            .bind(after_param)
            .bind(limit_param)
            .bind(horizon);
        if let Some(prefix) = prefix {
            query = query.bind(prefix);
        }
        if let Some(types) = &types {
            query = query.bind(types);
        }
        let rows = query.fetch_all(pool).await.map_err(&map)?;
        let Some(first) = rows.first() else {
            return Ok(Vec::new());
        };
        let bound: i64 = first.try_get("bound").map_err(&map)?;
        let newest: Option<i64> = first.try_get("newest").map_err(&map)?;
        let mut events = Vec::with_capacity(rows.len());
        for row in &rows {
            events.extend(decode_row(row, shared.errors, "read_all")?);
        }
        // Committed events at or past the horizon are held back by an
        // append to this store still in flight: give it a moment to end.
        let held_back = newest.is_some_and(|n| n >= bound && n > after_param);
        if events.len() < limit && held_back && waiter.wait().await {
            continue;
        }
        return Ok(events);
    }
}

/// The gap-safe head, after waiting (up to the visibility wait) for
/// in-flight appends to this store that hold newer events back.
pub(super) async fn head_position(shared: &Shared) -> Result<GlobalPosition, StoreError> {
    let mut waiter = VisibilityWait::new(shared.visibility_wait);
    loop {
        let head = Head::fetch(
            shared.pool_for("head_position").await?,
            &shared.sql.head_position,
        )
        .await
        .map_err(shared.errors.on("head_position"))?;
        if head.held_back() && waiter.wait().await {
            continue;
        }
        return to_position(head.safe);
    }
}

/// How many events lie in `(after, up_to]`, counting at most `cap`.
pub(super) async fn count_events(
    shared: &Shared,
    after: GlobalPosition,
    up_to: GlobalPosition,
    cap: u64,
) -> Result<u64, StoreError> {
    if up_to <= after || cap == 0 {
        return Ok(0);
    }
    let count: i64 = sqlx::query_scalar(&shared.sql.count_events)
        .bind(position_param(after)?)
        .bind(position_param(up_to)?)
        .bind(i64::try_from(cap).unwrap_or(i64::MAX))
        .fetch_one(shared.pool_for("count_events").await?)
        .await
        .map_err(shared.errors.on("count_events"))?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// The in-flight append that holds readers back now, if any.
pub(super) async fn held_back(shared: &Shared) -> Result<Option<HeldBack>, StoreError> {
    let head = Head::fetch(
        shared.pool_for("held_back").await?,
        &shared.sql.head_position,
    )
    .await
    .map_err(shared.errors.on("held_back"))?;
    Ok(head.held_back_by())
}
