//! Checkpoints, fenced leases and projection controls, in tables of the
//! same file. Lease times are wall-clock microseconds, shared by every
//! process on the file.

use std::time::Duration;

use eventcore::{
    GlobalPosition, StoreError,
    store::{CheckpointStore, ControlRequest, Lease, LeaseStore, ProjectionControl},
};
use sqlx::{Row, SqliteConnection, sqlite::SqliteRow};

use crate::SqliteStore;
use crate::store::convert::from_micros;
use crate::store::convert::now_micros;
use crate::store::convert::to_i64;
use crate::store::convert::to_u64;

/// `now + ttl` in microseconds, saturating.
fn expiry(now: i64, ttl: Duration) -> i64 {
    now.saturating_add(i64::try_from(ttl.as_micros()).unwrap_or(i64::MAX))
}

fn lease_of(
    name: &str,
    row: &SqliteRow,
    map: &impl Fn(sqlx::Error) -> StoreError,
) -> Result<Lease, StoreError> {
    let holder: String = row.try_get("holder").map_err(map)?;
    let token: i64 = row.try_get("token").map_err(map)?;
    let expires: i64 = row.try_get("expires_at").map_err(map)?;
    let what = format!("the lease {name:?}");
    Ok(Lease::new(
        name.to_owned(),
        holder,
        to_u64(&what, token)?,
        from_micros(&what, expires)?,
    ))
}

impl LeaseStore for SqliteStore {
    async fn try_acquire_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError> {
        let map = self.shared.errors.on("try_acquire_lease");
        let now = now_micros();
        // One statement: taken if free, expired or already ours; a new
        // tenure (another holder, or ours after it lapsed) raises the token.
        let row = sqlx::query(
            "INSERT INTO leases (name, holder, token, expires_at) VALUES (?1, ?2, 1, ?4) \
             ON CONFLICT (name) DO UPDATE SET \
                 token = CASE WHEN leases.holder = excluded.holder AND leases.expires_at > ?3 \
                              THEN leases.token ELSE leases.token + 1 END, \
                 holder = excluded.holder, \
                 expires_at = excluded.expires_at \
             WHERE leases.holder = excluded.holder OR leases.expires_at <= ?3 \
             RETURNING holder, token, expires_at",
        )
        .bind(name)
        .bind(holder)
        .bind(now)
        .bind(expiry(now, ttl))
        .fetch_optional(&self.shared.writer)
        .await
        .map_err(&map)?;
        row.map(|row| lease_of(name, &row, &map)).transpose()
    }

    async fn renew_lease(&self, lease: &Lease, ttl: Duration) -> Result<Lease, StoreError> {
        let map = self.shared.errors.on("renew_lease");
        let now = now_micros();
        let row = sqlx::query(
            "UPDATE leases SET expires_at = ?4 \
             WHERE name = ?1 AND holder = ?2 AND token = ?3 AND expires_at > ?5 \
             RETURNING holder, token, expires_at",
        )
        .bind(lease.name())
        .bind(lease.holder())
        .bind(to_i64("lease token", lease.token())?)
        .bind(expiry(now, ttl))
        .bind(now)
        .fetch_optional(&self.shared.writer)
        .await
        .map_err(&map)?;
        match row {
            Some(row) => lease_of(lease.name(), &row, &map),
            None => Err(lease.lost()),
        }
    }

    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        // The row stays, so the next tenure gets a higher token.
        sqlx::query(
            "UPDATE leases SET expires_at = ?4 \
             WHERE name = ?1 AND holder = ?2 AND token = ?3 AND expires_at > ?4",
        )
        .bind(lease.name())
        .bind(lease.holder())
        .bind(to_i64("lease token", lease.token())?)
        .bind(now_micros())
        .execute(&self.shared.writer)
        .await
        .map_err(self.shared.errors.on("release_lease"))?;
        Ok(())
    }

    async fn control_projection(
        &self,
        name: &str,
        request: ControlRequest,
    ) -> Result<ProjectionControl, StoreError> {
        const OPERATION: &str = "control_projection";
        let map = self.shared.errors.on(OPERATION);
        let mut tx = self.shared.begin(OPERATION).await?;
        let result = set_control(&mut tx, name, request, &map).await;
        tx.end(result).await
    }

    async fn projection_control(&self, name: &str) -> Result<ProjectionControl, StoreError> {
        let map = self.shared.errors.on("projection_control");
        let mut connection = self.shared.readers.acquire().await.map_err(&map)?;
        control_in(&mut connection, name, &map).await
    }
}

/// Applies `request` to the control record of `name`, inside a write
/// transaction.
async fn set_control(
    tx: &mut SqliteConnection,
    name: &str,
    request: ControlRequest,
    map: &impl Fn(sqlx::Error) -> StoreError,
) -> Result<ProjectionControl, StoreError> {
    let control = control_in(tx, name, map).await?.after(request);
    sqlx::query(
        "INSERT INTO projection_controls (name, paused, rebuilds_requested, rebuilds_done) \
             VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (name) DO UPDATE SET paused = excluded.paused, \
                 rebuilds_requested = excluded.rebuilds_requested, \
                 rebuilds_done = excluded.rebuilds_done",
    )
    .bind(name)
    .bind(control.paused)
    .bind(to_i64("rebuilds requested", control.rebuilds_requested)?)
    .bind(to_i64("rebuilds done", control.rebuilds_done)?)
    .execute(&mut *tx)
    .await
    .map_err(map)?;
    Ok(control)
}

async fn control_in(
    connection: &mut SqliteConnection,
    name: &str,
    map: &impl Fn(sqlx::Error) -> StoreError,
) -> Result<ProjectionControl, StoreError> {
    let row = sqlx::query(
        "SELECT paused, rebuilds_requested, rebuilds_done FROM projection_controls WHERE name = ?1",
    )
    .bind(name)
    .fetch_optional(connection)
    .await
    .map_err(map)?;
    let Some(row) = row else {
        return Ok(ProjectionControl::default());
    };
    let what = format!("the control record of {name:?}");
    Ok(ProjectionControl::new(
        row.try_get("paused").map_err(map)?,
        to_u64(&what, row.try_get("rebuilds_requested").map_err(map)?)?,
        to_u64(&what, row.try_get("rebuilds_done").map_err(map)?)?,
    ))
}

impl CheckpointStore for SqliteStore {
    async fn load_checkpoint(&self, name: &str) -> Result<Option<GlobalPosition>, StoreError> {
        let position: Option<i64> =
            sqlx::query_scalar("SELECT position FROM checkpoints WHERE name = ?1")
                .bind(name)
                .fetch_optional(&self.shared.readers)
                .await
                .map_err(self.shared.errors.on("load_checkpoint"))?;
        position
            .map(|p| to_u64(&format!("the checkpoint {name:?}"), p).map(GlobalPosition::new))
            .transpose()
    }

    async fn save_checkpoint(
        &self,
        name: &str,
        from: GlobalPosition,
        to: GlobalPosition,
        fence: Option<&Lease>,
    ) -> Result<(), StoreError> {
        const OPERATION: &str = "save_checkpoint";
        let mut tx = self.shared.begin(OPERATION).await?;
        let result = save_checkpoint_in(
            &mut tx,
            &self.shared.errors.on(OPERATION),
            name,
            from,
            to,
            fence,
        )
        .await;
        tx.end(result).await
    }
}

/// The checkpoint compare-and-set, inside a write transaction the caller
/// commits: the fence first, then the position.
pub(crate) async fn save_checkpoint_in(
    tx: &mut SqliteConnection,
    map: &impl Fn(sqlx::Error) -> StoreError,
    name: &str,
    from: GlobalPosition,
    to: GlobalPosition,
    fence: Option<&Lease>,
) -> Result<(), StoreError> {
    if let Some(lease) = fence {
        let held: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM leases WHERE name = ?1 AND holder = ?2 AND token = ?3 AND expires_at > ?4",
        )
        .bind(name)
        .bind(lease.holder())
        .bind(to_i64("lease token", lease.token())?)
        .bind(now_micros())
        .fetch_optional(&mut *tx)
        .await
        .map_err(map)?;
        if lease.name() != name || held.is_none() {
            return Err(lease.lost());
        }
    }
    let actual: Option<i64> =
        sqlx::query_scalar("SELECT position FROM checkpoints WHERE name = ?1")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map)?;
    let actual = actual
        .map(|p| to_u64(&format!("the checkpoint {name:?}"), p).map(GlobalPosition::new))
        .transpose()?;
    if actual.unwrap_or(GlobalPosition::START) != from {
        return Err(StoreError::CheckpointMoved {
            name: name.to_owned(),
            expected: from,
            actual,
        });
    }
    sqlx::query(
        "INSERT INTO checkpoints (name, position) VALUES (?1, ?2) \
         ON CONFLICT (name) DO UPDATE SET position = excluded.position",
    )
    .bind(name)
    .bind(to_i64("GlobalPosition", to.value())?)
    .execute(&mut *tx)
    .await
    .map_err(map)?;
    Ok(())
}
