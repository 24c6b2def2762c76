//! The raffle's tables and the SFTP fetch memory on PostgreSQL (same semantics as SQLite).

use super::PgStore;
use crate::domain::{Period, RafflePeriod};
use crate::raffle::draw::DrawRecord;
use crate::raffle::eligibility::{EligibleWoman, Exclusion};
use crate::store::RemoteFileKey;
use anyhow::Context as _;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap, HashSet};

impl PgStore {
    pub(super) async fn raffle_savers(&self, period: Period) -> anyhow::Result<HashSet<String>> {
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT dni::text FROM account_months WHERE period = $1 AND saver")
                .bind(period.first_day())
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().collect())
    }

    pub(super) async fn raffle_exceptions_of(
        &self,
        period: Period,
        categories: &[&str],
    ) -> anyhow::Result<Vec<(String, String)>> {
        let categories: Vec<String> = categories.iter().map(|c| (*c).to_owned()).collect();
        Ok(sqlx::query_as(
            "SELECT dni::text, category FROM recon_exceptions \
             WHERE period = $1 AND dni <> '' AND category = ANY($2)",
        )
        .bind(period.first_day())
        .bind(&categories)
        .fetch_all(&self.pool)
        .await?)
    }

    pub(super) async fn raffle_recent_winners(
        &self,
        before: RafflePeriod,
        draws: usize,
    ) -> anyhow::Result<HashMap<String, RafflePeriod>> {
        let rows = sqlx::query(
            "SELECT d.raffle_period, r.dni::text FROM raffle_results r JOIN raffle_draws d ON d.id = r.draw_id \
             WHERE d.is_current AND d.raffle_period IN \
               (SELECT raffle_period FROM raffle_draws WHERE is_current AND raffle_period < $1 \
                ORDER BY raffle_period DESC LIMIT $2)",
        )
        .bind(before.to_string())
        .bind(draws as i64)
        .fetch_all(&self.pool)
        .await?;
        let mut winners = HashMap::new();
        for row in rows {
            let period = RafflePeriod::parse(row.get::<&str, _>(0)).map_err(anyhow::Error::msg)?;
            winners
                .entry(row.get::<String, _>(1))
                .and_modify(|p: &mut RafflePeriod| *p = (*p).max(period))
                .or_insert(period);
        }
        Ok(winners)
    }

    pub(super) async fn raffle_save_eligible(
        &self,
        period: RafflePeriod,
        eligible: &[EligibleWoman],
        excluded: &BTreeMap<String, Vec<Exclusion>>,
    ) -> anyhow::Result<()> {
        let p = period.to_string();
        let mut tx = self.pool.begin().await?;
        for table in ["raffle_eligible", "raffle_exclusions"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE raffle_period = $1"))
                .bind(&p)
                .execute(&mut *tx)
                .await?;
        }
        // Arrays unnested server-side: one statement per table whatever the list's size.
        let positions: Vec<i64> = (0..eligible.len() as i64).collect();
        let column =
            |f: fn(&EligibleWoman) -> &String| eligible.iter().map(f).cloned().collect::<Vec<String>>();
        sqlx::query(
            "INSERT INTO raffle_eligible (raffle_period, position, ubigeo, distrito, dni, nombre) \
             SELECT $1, * FROM UNNEST($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])",
        )
        .bind(&p)
        .bind(&positions)
        .bind(column(|w| &w.ubigeo))
        .bind(column(|w| &w.distrito))
        .bind(column(|w| &w.dni))
        .bind(column(|w| &w.nombre))
        .execute(&mut *tx)
        .await?;
        let (dnis, reasons): (Vec<String>, Vec<String>) =
            excluded.iter().flat_map(|(dni, rs)| rs.iter().map(move |r| (dni.clone(), r.describe()))).unzip();
        sqlx::query(
            "INSERT INTO raffle_exclusions (raffle_period, dni, reason) \
             SELECT $1, * FROM UNNEST($2::text[], $3::text[]) ON CONFLICT DO NOTHING",
        )
        .bind(&p)
        .bind(&dnis)
        .bind(&reasons)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn raffle_eligible(
        &self,
        period: RafflePeriod,
    ) -> anyhow::Result<Option<Vec<EligibleWoman>>> {
        let p = period.to_string();
        let prepared: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM raffle_eligible WHERE raffle_period = $1) + \
                    (SELECT COUNT(*) FROM raffle_exclusions WHERE raffle_period = $1)",
        )
        .bind(&p)
        .fetch_one(&self.pool)
        .await?;
        if prepared == 0 {
            return Ok(None);
        }
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT ubigeo::text, distrito, dni::text, nombre FROM raffle_eligible \
             WHERE raffle_period = $1 ORDER BY position",
        )
        .bind(&p)
        .fetch_all(&self.pool)
        .await?;
        Ok(Some(
            rows.into_iter()
                .map(|(ubigeo, distrito, dni, nombre)| EligibleWoman { ubigeo, distrito, dni, nombre })
                .collect(),
        ))
    }

    pub(super) async fn raffle_exclusion_reasons(
        &self,
        period: RafflePeriod,
        dni: &str,
    ) -> anyhow::Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT reason FROM raffle_exclusions WHERE raffle_period = $1 AND dni = $2 ORDER BY reason COLLATE \"C\"",
        )
        .bind(period.to_string())
        .bind(dni)
        .fetch_all(&self.pool)
        .await?)
    }

    pub(super) async fn raffle_current_draw(
        &self,
        period: RafflePeriod,
    ) -> anyhow::Result<Option<DrawRecord>> {
        let json: Option<String> = sqlx::query_scalar(
            "SELECT draw_json::text FROM raffle_draws WHERE raffle_period = $1 AND is_current",
        )
        .bind(period.to_string())
        .fetch_optional(&self.pool)
        .await?;
        json.map(|j| serde_json::from_str(&j).context("Bad draw record in database")).transpose()
    }

    pub(super) async fn raffle_save_draw(&self, record: &DrawRecord) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await?;
        let p = &record.raffle_period;
        sqlx::query("UPDATE raffle_draws SET is_current = false WHERE raffle_period = $1")
            .bind(p)
            .execute(&mut *tx)
            .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO raffle_draws (raffle_period, draw_number, is_current, draw_json, eligible_sha256, drawn_at, redraw_reason) \
             VALUES ($1, (SELECT COALESCE(MAX(draw_number), 0) + 1 FROM raffle_draws WHERE raffle_period = $1), \
                     true, $2::jsonb, $3, $4::timestamptz, $5) RETURNING id",
        )
        .bind(p)
        .bind(serde_json::to_string(record)?)
        .bind(&record.eligible_sha256)
        .bind(&record.drawn_at)
        .bind(&record.redraw_reason)
        .fetch_one(&mut *tx)
        .await?;
        for d in &record.districts {
            for (role, dnis) in [("WINNER", &d.winners), ("ALTERNATE", &d.alternates)] {
                for (rank, dni) in dnis.iter().enumerate() {
                    sqlx::query("INSERT INTO raffle_results (draw_id, ubigeo, role, rank, dni) VALUES ($1, $2, $3, $4, $5)")
                        .bind(id)
                        .bind(&d.ubigeo)
                        .bind(role)
                        .bind(rank as i32 + 1)
                        .bind(dni)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn remote_fetched(&self, r: &RemoteFileKey<'_>) -> anyhow::Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT sha256::text FROM remote_files WHERE source = $1 AND name = $2 AND size = $3 AND mtime = $4",
        )
        .bind(r.source)
        .bind(r.name)
        .bind(r.size as i64)
        .bind(r.mtime as i64)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub(super) async fn remote_record(
        &self,
        r: &RemoteFileKey<'_>,
        sha256: &str,
        run_id: Option<i64>,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO remote_files (source, name, size, mtime, sha256, run_id) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT DO NOTHING",
        )
        .bind(r.source)
        .bind(r.name)
        .bind(r.size as i64)
        .bind(r.mtime as i64)
        .bind(sha256)
        .bind(run_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
