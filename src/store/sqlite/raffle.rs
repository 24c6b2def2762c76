//! The raffle's tables on SQLite: eligible lists with exclusion reasons, and draws.

use super::SqliteStore;
use crate::domain::{Period, RafflePeriod};
use crate::raffle::draw::DrawRecord;
use crate::raffle::eligibility::{EligibleWoman, Exclusion};
use anyhow::Context as _;
use sqlx::{QueryBuilder, Row, Sqlite};
use std::collections::{BTreeMap, HashMap, HashSet};

impl SqliteStore {
    pub(super) async fn raffle_savers(&self, period: Period) -> anyhow::Result<HashSet<String>> {
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT dni FROM account_months WHERE period = ? AND saver")
                .bind(period.to_string())
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().collect())
    }

    pub(super) async fn raffle_exceptions_of(
        &self,
        period: Period,
        categories: &[&str],
    ) -> anyhow::Result<Vec<(String, String)>> {
        let mut qb =
            QueryBuilder::<Sqlite>::new("SELECT dni, category FROM recon_exceptions WHERE period = ");
        qb.push_bind(period.to_string()).push(" AND dni <> '' AND category IN (");
        let mut list = qb.separated(", ");
        for c in categories {
            list.push_bind(*c);
        }
        qb.push(")");
        Ok(qb.build_query_as::<(String, String)>().fetch_all(&self.pool).await?)
    }

    pub(super) async fn raffle_recent_winners(
        &self,
        before: RafflePeriod,
        draws: usize,
    ) -> anyhow::Result<HashMap<String, RafflePeriod>> {
        let rows = sqlx::query(
            "SELECT d.raffle_period, r.dni FROM raffle_results r JOIN raffle_draws d ON d.id = r.draw_id \
             WHERE d.is_current = 1 AND d.raffle_period IN \
               (SELECT raffle_period FROM raffle_draws WHERE is_current = 1 AND raffle_period < ? \
                ORDER BY raffle_period DESC LIMIT ?)",
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
            sqlx::query(&format!("DELETE FROM {table} WHERE raffle_period = ?"))
                .bind(&p)
                .execute(&mut *tx)
                .await?;
        }
        for (chunk_no, chunk) in eligible.chunks(super::CHUNK).enumerate() {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "INSERT INTO raffle_eligible (raffle_period, position, ubigeo, distrito, dni, nombre) ",
            );
            qb.push_values(chunk.iter().enumerate(), |mut b, (i, w)| {
                b.push_bind(&p)
                    .push_bind((chunk_no * super::CHUNK + i) as i64)
                    .push_bind(&w.ubigeo)
                    .push_bind(&w.distrito)
                    .push_bind(&w.dni)
                    .push_bind(&w.nombre);
            });
            qb.build().execute(&mut *tx).await?;
        }
        let reasons: Vec<(&String, String)> =
            excluded.iter().flat_map(|(dni, rs)| rs.iter().map(move |r| (dni, r.describe()))).collect();
        for chunk in reasons.chunks(super::CHUNK) {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "INSERT OR IGNORE INTO raffle_exclusions (raffle_period, dni, reason) ",
            );
            qb.push_values(chunk, |mut b, (dni, reason)| {
                b.push_bind(&p).push_bind(*dni).push_bind(reason);
            });
            qb.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn raffle_eligible(
        &self,
        period: RafflePeriod,
    ) -> anyhow::Result<Option<Vec<EligibleWoman>>> {
        let p = period.to_string();
        let prepared: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM raffle_eligible WHERE raffle_period = ?1) + \
                    (SELECT COUNT(*) FROM raffle_exclusions WHERE raffle_period = ?1)",
        )
        .bind(&p)
        .fetch_one(&self.pool)
        .await?;
        if prepared == 0 {
            return Ok(None);
        }
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT ubigeo, distrito, dni, nombre FROM raffle_eligible WHERE raffle_period = ? ORDER BY position",
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
            "SELECT reason FROM raffle_exclusions WHERE raffle_period = ? AND dni = ? ORDER BY reason",
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
            "SELECT draw_json FROM raffle_draws WHERE raffle_period = ? AND is_current = 1",
        )
        .bind(period.to_string())
        .fetch_optional(&self.pool)
        .await?;
        json.map(|j| serde_json::from_str(&j).context("Bad draw record in database")).transpose()
    }

    pub(super) async fn raffle_save_draw(&self, record: &DrawRecord) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await?;
        let p = &record.raffle_period;
        sqlx::query("UPDATE raffle_draws SET is_current = 0 WHERE raffle_period = ?")
            .bind(p)
            .execute(&mut *tx)
            .await?;
        let number: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(draw_number), 0) + 1 FROM raffle_draws WHERE raffle_period = ?",
        )
        .bind(p)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO raffle_draws (raffle_period, draw_number, is_current, draw_json, eligible_sha256, drawn_at, redraw_reason) \
             VALUES (?, ?, 1, ?, ?, ?, ?) RETURNING id",
        )
        .bind(p)
        .bind(number)
        .bind(serde_json::to_string(record)?)
        .bind(&record.eligible_sha256)
        .bind(&record.drawn_at)
        .bind(&record.redraw_reason)
        .fetch_one(&mut *tx)
        .await?;
        for d in &record.districts {
            for (role, dnis) in [("WINNER", &d.winners), ("ALTERNATE", &d.alternates)] {
                for (rank, dni) in dnis.iter().enumerate() {
                    sqlx::query("INSERT INTO raffle_results (draw_id, ubigeo, role, rank, dni) VALUES (?, ?, ?, ?, ?)")
                        .bind(id)
                        .bind(&d.ubigeo)
                        .bind(role)
                        .bind(rank as i64 + 1)
                        .bind(dni)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }
}
