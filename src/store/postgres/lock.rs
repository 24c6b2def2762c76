//! The run lock on PostgreSQL: a session advisory lock taken on a dedicated connection that is
//! held for the whole run. Every machine running the job against the same database contends
//! for the same lock; the server releases it when the connection ends, so a killed run (or a
//! lost machine) never leaves it stuck. Connect directly or through session pooling: a
//! transaction-pooling proxy would hand the session, and the lock, to someone else.

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions as _, Connection as _, PgConnection};

/// The advisory lock key of the run: "alcancia" in ASCII, as a number. Advisory locks are per
/// database, so programmes in different databases do not contend.
pub const RUN_LOCK_KEY: i64 = 0x616c_6361_6e63_6961;

/// Holds the lock while alive (the connection is closed, and the lock released, on drop).
pub struct PgRunLock {
    conn: PgConnection,
}

impl PgRunLock {
    /// Takes the lock, or `Ok(None)` when another run holds it.
    pub async fn try_acquire(options: &PgConnectOptions) -> anyhow::Result<Option<Self>> {
        let mut conn = options
            .clone()
            .application_name("alcancia run lock")
            .connect()
            .await
            .map_err(|e| anyhow::anyhow!("Failed to connect to PostgreSQL for the run lock: {e}"))?;
        let taken: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(RUN_LOCK_KEY)
            .fetch_one(&mut conn)
            .await?;
        if taken {
            Ok(Some(Self { conn }))
        } else {
            conn.close().await?;
            Ok(None)
        }
    }

    /// Releases the lock now (dropping it also does, when the connection closes).
    pub async fn release(mut self) -> anyhow::Result<()> {
        sqlx::query("SELECT pg_advisory_unlock($1)").bind(RUN_LOCK_KEY).execute(&mut self.conn).await?;
        self.conn.close().await?;
        Ok(())
    }
}
