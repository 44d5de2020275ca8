//! A fresh PostgreSQL database per run: the peers create their tables in
//! fixed, unqualified names (neither eventcore 2.1 nor disintegrate takes a
//! schema), so each run gets a database `peers_<random>` of its own, dropped
//! afterwards.

use std::time::Duration;

use sqlx::{Connection as _, PgConnection};

/// The default connection URL when `DATABASE_URL` is unset.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// `DATABASE_URL`, or [`DEFAULT_URL`].
pub fn admin_url() -> String {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| DEFAULT_URL.to_owned())
}

/// A database that exists until [`FreshDb::drop_db`].
#[derive(Debug)]
pub struct FreshDb {
    pub name: String,
    /// The URL of this database.
    pub url: String,
}

impl FreshDb {
    /// Creates `peers_<random>`.
    pub async fn create() -> Result<Self, String> {
        let name = format!("peers_{}", uuid::Uuid::new_v4().simple());
        let admin = admin_url();
        let url = with_database(&admin, &name)?;
        let mut conn = connect(&admin).await?;
        // The name is ours: lowercase hex, no quoting needed.
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .map_err(|e| format!("CREATE DATABASE {name}: {e}"))?;
        let _ = conn.close().await;
        Ok(Self { name, url })
    }

    /// Drops the database, closing whatever connections are left.
    pub async fn drop_db(self) -> Result<(), String> {
        let mut conn = connect(&admin_url()).await?;
        sqlx::raw_sql(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .execute(&mut conn)
        .await
        .map_err(|e| format!("DROP DATABASE {}: {e}", self.name))?;
        let _ = conn.close().await;
        Ok(())
    }
}

async fn connect(url: &str) -> Result<PgConnection, String> {
    tokio::time::timeout(Duration::from_secs(5), PgConnection::connect(url))
        .await
        .map_err(|_| "PostgreSQL did not answer within 5 s".to_owned())?
        .map_err(|e| format!("cannot connect to PostgreSQL: {e}"))
}

/// Whether PostgreSQL answers at [`admin_url`].
pub async fn reachable() -> bool {
    match connect(&admin_url()).await {
        Ok(conn) => {
            let _ = conn.close().await;
            true
        }
        Err(_) => false,
    }
}

/// `url` with its database (the path after the host) replaced by `name`.
fn with_database(url: &str, name: &str) -> Result<String, String> {
    let scheme_end = url
        .find("://")
        .ok_or_else(|| "DATABASE_URL has no scheme (postgres://...)".to_owned())?
        + 3;
    let (base, query) = match url.find('?') {
        Some(q) => (&url[..q], &url[q..]),
        None => (url, ""),
    };
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    Ok(format!("{}/{name}{query}", &base[..host_end]))
}
