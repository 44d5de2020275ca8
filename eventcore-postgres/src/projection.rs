//! Checkpoints and fenced leases for projection runners.

use std::time::Duration;

use chrono::{DateTime, Utc};
use eventcore::{
    GlobalPosition, StoreError, Timestamp, ValidationError,
    store::{CheckpointStore, Lease, LeaseStore},
};
use sqlx::{PgConnection, Row};

use crate::{
    PostgresStore,
    store::{position_param, to_position},
};

fn ttl_param(ttl: Duration) -> Result<chrono::Duration, StoreError> {
    chrono::Duration::from_std(ttl).map_err(|_| {
        ValidationError::invalid(
            "lease ttl",
            format!("{ttl:?}"),
            "must be at most i64::MAX milliseconds",
        )
        .into()
    })
}

fn token_param(lease: &Lease) -> Result<i64, StoreError> {
    i64::try_from(lease.token()).map_err(|_| lease.lost())
}

fn token_of(value: i64, name: &str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt {
        detail: format!("lease {name:?} has the negative fencing token {value}"),
    })
}

impl PostgresStore {
    /// Moves a checkpoint inside a transaction the caller controls, so a
    /// read model kept in the same database commits its update and its
    /// checkpoint together (exactly-once effects).
    ///
    /// The same compare-and-set as
    /// [`save_checkpoint`](CheckpointStore::save_checkpoint): refused with
    /// [`StoreError::CheckpointMoved`] unless the checkpoint is still at
    /// `from`, and, with a `fence`, with [`StoreError::LeaseLost`] unless
    /// that lease is still current. The lease row stays share-locked until
    /// the caller's commit, so it cannot change hands in between. On an
    /// error, roll the transaction back.
    ///
    /// ```no_run
    /// # use eventcore::GlobalPosition;
    /// # use eventcore::store::Lease;
    /// # use eventcore_postgres::PostgresStore;
    /// # async fn run(store: &PostgresStore, lease: &Lease) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut tx = store.begin().await?;
    /// sqlx::query("UPDATE balances SET total = total + 10 WHERE account = 'a'")
    ///     .execute(&mut *tx)
    ///     .await?;
    /// let (from, to) = (GlobalPosition::new(41), GlobalPosition::new(42));
    /// store.save_checkpoint_in(&mut tx, "balances", from, to, Some(lease)).await?;
    /// tx.commit().await?;
    /// # Ok(())
    /// # }
    /// ```
    #[tracing::instrument(name = "eventcore_postgres.save_checkpoint_in", skip_all, fields(name, from = %from, to = %to))]
    pub async fn save_checkpoint_in(
        &self,
        conn: &mut PgConnection,
        name: &str,
        from: GlobalPosition,
        to: GlobalPosition,
        fence: Option<&Lease>,
    ) -> Result<(), StoreError> {
        self.save_checkpoint_with(conn, name, from, to, fence).await
    }

    async fn save_checkpoint_with<'c, E>(
        &self,
        executor: E,
        name: &str,
        from: GlobalPosition,
        to: GlobalPosition,
        fence: Option<&Lease>,
    ) -> Result<(), StoreError>
    where
        E: sqlx::Executor<'c, Database = sqlx::Postgres>,
    {
        let shared = &self.shared;
        let map = |e| shared.limits.map("save_checkpoint", e);
        if let Some(lease) = fence
            && lease.name() != name
        {
            return Err(lease.lost());
        }
        let row = sqlx::query(&shared.sql.save_checkpoint)
            .bind(name)
            .bind(position_param(from)?)
            .bind(position_param(to)?)
            .bind(fence.map(Lease::holder))
            .bind(fence.map(token_param).transpose()?)
            .fetch_one(executor)
            .await
            .map_err(map)?;
        let saved: bool = row.try_get("saved").map_err(map)?;
        let fenced_out: bool = row.try_get("fenced_out").map_err(map)?;
        let actual: Option<i64> = row.try_get("actual").map_err(map)?;
        match fence {
            Some(lease) if fenced_out => Err(lease.lost()),
            _ if saved => Ok(()),
            _ => Err(StoreError::CheckpointMoved {
                name: name.to_owned(),
                expected: from,
                actual: actual.map(to_position).transpose()?,
            }),
        }
    }
}

impl CheckpointStore for PostgresStore {
    #[tracing::instrument(name = "eventcore_postgres.load_checkpoint", skip_all, fields(name))]
    async fn load_checkpoint(&self, name: &str) -> Result<Option<GlobalPosition>, StoreError> {
        let position: Option<i64> = sqlx::query_scalar(&self.shared.sql.load_checkpoint)
            .bind(name)
            .fetch_optional(&self.shared.pool)
            .await
            .map_err(|e| self.shared.limits.map("load_checkpoint", e))?;
        position.map(to_position).transpose()
    }

    #[tracing::instrument(name = "eventcore_postgres.save_checkpoint", skip_all, fields(name, from = %from, to = %to))]
    async fn save_checkpoint(
        &self,
        name: &str,
        from: GlobalPosition,
        to: GlobalPosition,
        fence: Option<&Lease>,
    ) -> Result<(), StoreError> {
        self.save_checkpoint_with(&self.shared.pool, name, from, to, fence)
            .await
    }
}

impl LeaseStore for PostgresStore {
    #[tracing::instrument(
        name = "eventcore_postgres.try_acquire_lease",
        skip_all,
        fields(name, holder)
    )]
    async fn try_acquire_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError> {
        let map = |e| self.shared.limits.map("try_acquire_lease", e);
        let row = sqlx::query(&self.shared.sql.acquire_lease)
            .bind(name)
            .bind(holder)
            .bind(ttl_param(ttl)?)
            .fetch_optional(&self.shared.pool)
            .await
            .map_err(map)?;
        let Some(row) = row else { return Ok(None) };
        let token: i64 = row.try_get(0).map_err(map)?;
        let expires_at: DateTime<Utc> = row.try_get(1).map_err(map)?;
        Ok(Some(Lease::new(
            name.to_owned(),
            holder.to_owned(),
            token_of(token, name)?,
            Timestamp::new(expires_at),
        )))
    }

    #[tracing::instrument(name = "eventcore_postgres.renew_lease", skip_all, fields(name = lease.name(), token = lease.token()))]
    async fn renew_lease(&self, lease: &Lease, ttl: Duration) -> Result<Lease, StoreError> {
        let expires_at: Option<DateTime<Utc>> = sqlx::query_scalar(&self.shared.sql.renew_lease)
            .bind(lease.name())
            .bind(lease.holder())
            .bind(token_param(lease)?)
            .bind(ttl_param(ttl)?)
            .fetch_optional(&self.shared.pool)
            .await
            .map_err(|e| self.shared.limits.map("renew_lease", e))?;
        match expires_at {
            Some(at) => Ok(Lease::new(
                lease.name().to_owned(),
                lease.holder().to_owned(),
                lease.token(),
                Timestamp::new(at),
            )),
            None => Err(lease.lost()),
        }
    }

    #[tracing::instrument(name = "eventcore_postgres.release_lease", skip_all, fields(name = lease.name(), token = lease.token()))]
    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        let Ok(token) = i64::try_from(lease.token()) else {
            return Ok(());
        };
        sqlx::query(&self.shared.sql.release_lease)
            .bind(lease.name())
            .bind(lease.holder())
            .bind(token)
            .execute(&self.shared.pool)
            .await
            .map_err(|e| self.shared.limits.map("release_lease", e))?;
        Ok(())
    }
}
