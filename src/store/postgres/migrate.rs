//! Applying the PostgreSQL migrations on open.
//!
//! Least privilege (see `deploy/postgres/`): the job's role owns nothing and has no right to
//! create tables. When migrations are pending and the role may `SET ROLE` to the owner of the
//! schema, they are applied as that owner; when nothing is pending nothing is attempted, so a
//! job role without that membership runs fine once an administrator has migrated.

use anyhow::Context as _;
use sqlx::migrate::Migrator;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions as _, Connection as _, PgConnection};

static MIGRATOR: Migrator = sqlx::migrate!("src/store/migrations/postgres");

pub async fn run(options: &PgConnectOptions) -> anyhow::Result<()> {
    let mut conn = options.connect().await.context("Failed to connect to PostgreSQL")?;
    if pending(&mut conn).await? {
        let owner = schema_owner_to_become(&mut conn).await?;
        if let Some(owner) = &owner {
            sqlx::query(&format!("SET ROLE \"{}\"", owner.replace('"', "\"\""))).execute(&mut conn).await?;
        }
        MIGRATOR.run(&mut conn).await.with_context(|| match &owner {
            Some(owner) => format!("Failed to migrate the database (as role {owner})"),
            None => "Failed to migrate the database".to_owned(),
        })?;
        tracing::info!(as_owner = owner.is_some(), "Database migrated.");
    }
    conn.close().await?;
    Ok(())
}

/// Whether a migration of this build is not yet applied.
async fn pending(conn: &mut PgConnection) -> anyhow::Result<bool> {
    let Some(latest) = MIGRATOR.iter().map(|m| m.version).max() else { return Ok(false) };
    let table: Option<String> =
        sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations')::text").fetch_one(&mut *conn).await?;
    if table.is_none() {
        return Ok(true);
    }
    let applied: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
        .fetch_one(&mut *conn)
        .await?;
    Ok(applied.is_none_or(|a| a < latest))
}

/// The owner of the current schema, when the connected role may not create in it itself but
/// may become that owner.
async fn schema_owner_to_become(conn: &mut PgConnection) -> anyhow::Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT r.rolname::text FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner \
         WHERE n.nspname = current_schema() \
           AND NOT has_schema_privilege(current_user, n.oid, 'CREATE') \
           AND pg_has_role(current_user, r.oid, 'MEMBER')",
    )
    .fetch_optional(&mut *conn)
    .await?)
}
