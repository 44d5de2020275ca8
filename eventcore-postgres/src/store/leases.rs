//! Fenced leases: one active runner per projection across processes.

use std::time::Duration;

use chrono::{DateTime, Utc};
use eventcore::{
    StoreError, Timestamp, ValidationError,
    store::{ControlRequest, Lease, LeaseStore, ProjectionControl},
};
use sqlx::Row;

use super::PostgresStore;

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

pub(super) fn token_param(lease: &Lease) -> Result<i64, StoreError> {
    i64::try_from(lease.token()).map_err(|_| lease.lost())
}

fn token_of(value: i64, name: &str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt {
        detail: format!("lease {name:?} has the negative fencing token {value}"),
    })
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
        let map = self.shared.errors.on("try_acquire_lease");
        let row = sqlx::query(&self.shared.sql.acquire_lease)
            .bind(name)
            .bind(holder)
            .bind(ttl_param(ttl)?)
            .fetch_optional(self.shared.pool_for("try_acquire_lease").await?)
            .await
            .map_err(&map)?;
        let Some(row) = row else { return Ok(None) };
        let token: i64 = row.try_get("token").map_err(&map)?;
        let expires_at: DateTime<Utc> = row.try_get("expires_at").map_err(&map)?;
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
            .fetch_optional(self.shared.pool_for("renew_lease").await?)
            .await
            .map_err(self.shared.errors.on("renew_lease"))?;
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
            .execute(self.shared.pool_for("release_lease").await?)
            .await
            .map_err(self.shared.errors.on("release_lease"))?;
        Ok(())
    }

    #[tracing::instrument(name = "eventcore_postgres.control_projection", skip_all, fields(name, ?request))]
    async fn control_projection(
        &self,
        name: &str,
        request: ControlRequest,
    ) -> Result<ProjectionControl, StoreError> {
        let (kind, done) = match request {
            ControlRequest::Pause => ("pause", 0),
            ControlRequest::Resume => ("resume", 0),
            ControlRequest::Rebuild => ("rebuild", 0),
            ControlRequest::RebuildsDone(done) => ("done", i64::try_from(done).unwrap_or(i64::MAX)),
            _ => {
                return Err(ValidationError::invalid(
                    "ControlRequest",
                    format!("{request:?}"),
                    "is not known to this store",
                )
                .into());
            }
        };
        let row = sqlx::query(&self.shared.sql.control_projection)
            .bind(name)
            .bind(kind)
            .bind(done)
            .fetch_one(self.shared.pool_for("control_projection").await?)
            .await
            .map_err(self.shared.errors.on("control_projection"))?;
        control_of(&row, name).map_err(self.shared.errors.on("control_projection"))
    }

    #[tracing::instrument(name = "eventcore_postgres.projection_control", skip_all, fields(name))]
    async fn projection_control(&self, name: &str) -> Result<ProjectionControl, StoreError> {
        let row = sqlx::query(&self.shared.sql.projection_control)
            .bind(name)
            .fetch_optional(self.shared.pool_for("projection_control").await?)
            .await
            .map_err(self.shared.errors.on("projection_control"))?;
        match row {
            None => Ok(ProjectionControl::default()),
            Some(row) => {
                control_of(&row, name).map_err(self.shared.errors.on("projection_control"))
            }
        }
    }
}

/// A control record from its row.
fn control_of(row: &sqlx::postgres::PgRow, name: &str) -> Result<ProjectionControl, sqlx::Error> {
    let count = |column: &str| -> Result<u64, sqlx::Error> {
        let value: i64 = row.try_get(column)?;
        u64::try_from(value).map_err(|_| sqlx::Error::ColumnDecode {
            index: column.to_owned(),
            source: format!("projection {name:?} has the negative count {value}").into(),
        })
    };
    Ok(ProjectionControl::new(
        row.try_get("paused")?,
        count("rebuilds_requested")?,
        count("rebuilds_done")?,
    ))
}
