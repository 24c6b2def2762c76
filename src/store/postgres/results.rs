//! Saving a period's results in one transaction: the old ones are deleted (and the matches of
//! later periods, which the caller recomputes next) and the new ones loaded with `COPY`, part by
//! part as the recompute hands them over (`store::period_save`).

use super::copy::copy_in;
use crate::domain::money::to_cents;
use crate::domain::Period;
use crate::reconcile::{DuplicateCredit, ExceptionRow, Match};
use crate::report::account_month_rows::AccountMonthRows;
use crate::savings::timeline::Checkpoint;
use crate::store::period_save::{ResultPart, SaveParts};
use chrono::NaiveDate;
use sqlx::{PgPool, Postgres, Transaction};

pub async fn save_period(pool: PgPool, period: Period, mut parts: SaveParts) -> anyhow::Result<()> {
    let p = period.first_day();
    // Creating a partition locks its parent: done in its own short transaction, first.
    sqlx::query("SELECT ensure_month_partition('account_months', $1)").bind(p).execute(&pool).await?;
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
            .bind(period.previous().previous().first_day())
            .execute(&mut *tx)
            .await?;
    }
    done("deleted");
    while let Some(part) = parts.next().await? {
        match part {
            ResultPart::Reconciliation { matches, duplicates } => {
                copy_reconciliation(&mut tx, p, &matches, &duplicates).await?;
                done("reconciliation");
            }
            ResultPart::Checkpoint(checkpoint) => {
                copy_checkpoint(&mut tx, p, &checkpoint).await?;
                done("checkpoint");
            }
            ResultPart::Exceptions(exceptions) => {
                copy_exceptions(&mut tx, p, &exceptions).await?;
                done("exceptions");
            }
            ResultPart::AccountMonths(account_months) => {
                copy_account_months(&mut tx, p, &account_months).await?;
                done("account_months");
            }
            ResultPart::Indicators(indicators) => {
                copy_in(
                    &mut tx,
                    "indicators (period, scope, scope_id, metric, value)",
                    &indicators,
                    |out, i| {
                        out.field(p)?
                            .field(i.scope.code())?
                            .field(&i.scope_id)?
                            .field(i.metric)?
                            .field(&i.value)?;
                        Ok(())
                    },
                )
                .await?;
            }
        }
    }
    // The checkpoint is whole only with every range's accounts: its row says so.
    sqlx::query("INSERT INTO checkpoints (period) VALUES ($1)").bind(p).execute(&mut *tx).await?;
    tx.commit().await?;
    done("commit");
    Ok(())
}

async fn copy_account_months(
    tx: &mut Transaction<'_, Postgres>,
    p: NaiveDate,
    account_months: &AccountMonthRows,
) -> anyhow::Result<()> {
    copy_in(
        tx,
        "account_months (period, dni, cuenta, ubigeo, grupo, month_end_cents, min_cents, avg_daily_balance, \
         cct_credits_cents, other_credits_cents, debits_cents, customer_movements, voluntary_deposits, saver)",
        account_months.iter()?,
        |out, a| {
            let a = a?;
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
    Ok(())
}

async fn copy_reconciliation(
    tx: &mut Transaction<'_, Postgres>,
    p: NaiveDate,
    matches: &[Match],
    duplicates: &[DuplicateCredit],
) -> anyhow::Result<()> {
    copy_in(tx, "recon_matches (period, instruction_id, entry_id, returned_by)", matches, |out, m| {
        out.field(p)?.field(m.instruction_id)?.field(m.entry_id)?.field(m.returned_by)?;
        Ok(())
    })
    .await?;
    copy_in(tx, "recon_duplicates (period, instruction_id, entry_id, offset_by)", duplicates, |out, d| {
        out.field(p)?.field(d.instruction_id)?.field(d.entry_id)?.field(d.offset_by)?;
        Ok(())
    })
    .await?;
    Ok(())
}

async fn copy_exceptions(
    tx: &mut Transaction<'_, Postgres>,
    p: NaiveDate,
    exceptions: &[ExceptionRow],
) -> anyhow::Result<()> {
    copy_in(
        tx,
        "recon_exceptions (period, ord, category, dni, cuenta, ubigeo, referencia, expected_cents, actual_cents, detail)",
        exceptions.iter().zip(0i64..),
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
    p: NaiveDate,
    checkpoint: &Checkpoint,
) -> anyhow::Result<()> {
    // In key order, as on SQLite: the rows go to the right edge of the primary key's B-tree
    // instead of landing at random pages.
    let mut accounts: Vec<_> = checkpoint.accounts.iter().collect();
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
        &checkpoint.early,
        |out, (id, e)| {
            out.field(p)?.field(*id)?.field(e.account.as_str())?.field(e.cents)?;
            Ok(())
        },
    )
    .await?;
    Ok(())
}
