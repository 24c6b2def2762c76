//! Saving a period's results in one transaction: the old ones are deleted (and the matches of
//! later periods, which the caller recomputes next) and the new ones loaded with `COPY`.

use super::copy::copy_in;
use crate::domain::money::to_cents;
use crate::store::PeriodResults;
use sqlx::{PgPool, Postgres, Transaction};

pub async fn save_period(pool: &PgPool, results: &PeriodResults<'_>) -> anyhow::Result<()> {
    let p = results.period.first_day();
    // Creating a partition locks its parent: done in its own short transaction, first.
    sqlx::query("SELECT ensure_month_partition('account_months', $1)").bind(p).execute(pool).await?;
    let started = std::time::Instant::now();
    let done = |what: &str| tracing::debug!(what, ms = started.elapsed().as_millis() as u64, "Saved.");
    let mut tx = pool.begin().await?;
    for table in ["recon_matches", "recon_duplicates"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE period >= $1")).bind(p).execute(&mut *tx).await?;
    }
    for table in ["recon_exceptions", "account_months", "indicators"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE period = $1")).bind(p).execute(&mut *tx).await?;
    }
    // Later checkpoints are stale (the caller recomputes those periods next); those older than
    // two months before are no longer needed (a recompute that far back rebuilds its own).
    for table in ["checkpoints", "checkpoint_accounts", "checkpoint_early"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE period >= $1 OR period < $2"))
            .bind(p)
            .bind(results.period.previous().previous().first_day())
            .execute(&mut *tx)
            .await?;
    }
    done("deleted");
    copy_reconciliation(&mut tx, results).await?;
    done("reconciliation");
    copy_checkpoint(&mut tx, results).await?;
    done("checkpoint");
    copy_in(
        &mut tx,
        "account_months (period, dni, cuenta, ubigeo, grupo, month_end_cents, min_cents, avg_daily_balance, \
         cct_credits_cents, other_credits_cents, debits_cents, customer_movements, voluntary_deposits, saver)",
        results.account_months,
        |out, a| {
            let bal = a.balances.as_ref();
            out.field(p)?.field(a.dni.as_str())?.field(a.cuenta.as_str())?.field(a.ubigeo.as_str())?.field(a.grupo.as_str())?;
            out.field(bal.map(|b| to_cents(b.month_end)))?.field(bal.map(|b| to_cents(b.min)))?;
            out.field(bal.map(|b| b.avg_daily))?.field(to_cents(a.cct_credits))?;
            out.field(to_cents(a.other_credits))?.field(to_cents(a.debits))?;
            out.field(a.customer_movements)?.field(a.voluntary_deposits)?.field(a.saver)?;
            Ok(())
        },
    )
    .await?;
    done("account_months");
    copy_in(&mut tx, "indicators (period, scope, scope_id, metric, value)", results.indicators, |out, i| {
        out.field(p)?.field(i.scope.code())?.field(&i.scope_id)?.field(i.metric)?.field(&i.value)?;
        Ok(())
    })
    .await?;
    tx.commit().await?;
    done("commit");
    Ok(())
}

async fn copy_reconciliation(
    tx: &mut Transaction<'_, Postgres>,
    results: &PeriodResults<'_>,
) -> anyhow::Result<()> {
    let p = results.period.first_day();
    let r = results.reconciliation;
    copy_in(tx, "recon_matches (period, instruction_id, entry_id, returned_by)", &r.matches, |out, m| {
        out.field(p)?.field(m.instruction_id)?.field(m.entry_id)?.field(m.returned_by)?;
        Ok(())
    })
    .await?;
    copy_in(tx, "recon_duplicates (period, instruction_id, entry_id, offset_by)", &r.duplicates, |out, d| {
        out.field(p)?.field(d.instruction_id)?.field(d.entry_id)?.field(d.offset_by)?;
        Ok(())
    })
    .await?;
    copy_in(
        tx,
        "recon_exceptions (period, ord, category, dni, cuenta, ubigeo, referencia, expected_cents, actual_cents, detail)",
        results.exceptions.iter().zip(0i64..),
        |out, (x, ord)| {
            out.field(p)?.field(ord)?.field(x.category.code())?.field(&x.dni)?.field(&x.cuenta)?;
            out.field(&x.ubigeo)?.field(&x.referencia)?.field(x.expected_amount.map(to_cents))?;
            out.field(x.actual_amount.map(to_cents))?.field(&x.detail)?;
            Ok(())
        },
    )
    .await?;
    Ok(())
}

/// The period's checkpoint: its `checkpoints` row and the rows it lists.
async fn copy_checkpoint(
    tx: &mut Transaction<'_, Postgres>,
    results: &PeriodResults<'_>,
) -> anyhow::Result<()> {
    let p = results.period.first_day();
    sqlx::query("INSERT INTO checkpoints (period) VALUES ($1)").bind(p).execute(&mut **tx).await?;
    // In key order, as on SQLite: the rows go to the right edge of the primary key's B-tree
    // instead of landing at random pages.
    let mut accounts: Vec<_> = results.checkpoint.accounts.iter().collect();
    accounts.sort_unstable_by(|a, b| a.0.cmp(b.0));
    copy_in(
        tx,
        "checkpoint_accounts (period, account, statement_id, from_date, to_date, file_id, position, opening_cents, \
         closing_cents, base_cents)",
        accounts,
        |out, (account, c)| {
            out.field(p)?.field(account.as_str())?.field(c.statement_id)?.field(c.from)?.field(c.to)?;
            out.field(c.seq.file)?.field(c.seq.position)?.field(c.opening_cents)?.field(c.closing_cents)?;
            out.field(c.base_cents)?;
            Ok(())
        },
    )
    .await?;
    copy_in(
        tx,
        "checkpoint_early (period, statement_id, account, cents)",
        &results.checkpoint.early,
        |out, (id, e)| {
            out.field(p)?.field(*id)?.field(e.account.as_str())?.field(e.cents)?;
            Ok(())
        },
    )
    .await?;
    Ok(())
}
