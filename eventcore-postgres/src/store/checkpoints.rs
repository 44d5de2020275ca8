//! Projection checkpoints: a compare-and-set on the pool, or inside the
//! caller's transaction together with a read model's update.

use eventcore::{
    GlobalPosition, StoreError,
    store::{CheckpointStore, Lease},
};
use sqlx::{PgConnection, Row};

use super::{
    PostgresStore,
    leases::token_param,
    rows::{position_param, to_position},
};

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
        let map = shared.errors.on("save_checkpoint");
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
            .map_err(&map)?;
        let saved: bool = row.try_get("saved").map_err(&map)?;
        let fenced_out: bool = row.try_get("fenced_out").map_err(&map)?;
        let actual: Option<i64> = row.try_get("actual").map_err(&map)?;
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
            .fetch_optional(self.shared.pool_for("load_checkpoint").await?)
            .await
            .map_err(self.shared.errors.on("load_checkpoint"))?;
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
        let pool = self.shared.pool_for("save_checkpoint").await?;
        self.save_checkpoint_with(pool, name, from, to, fence).await
    }
}
