//! Generated pilot-size inputs (24,300 women in 26 districts, two months) through the whole
//! job: the exception counts equal what the generator planted, and the indicators land near
//! the pilot's own figures (21 % savers in pilot districts, under 1 % in control, an average
//! balance of about 5.7 % of the transfer).

use crate::helpers::{on_both_backends, stderr, Workspace};
use alcancia::domain::Period;
use alcancia::fixtures::{generate, FixtureOptions};

fn indicator(ws: &Workspace, period: &str, scope_id: &str, metric: &str) -> f64 {
    let text = std::fs::read_to_string(ws.path(&format!("out/{period}/indicators.csv"))).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains(&format!(",{scope_id},{metric},")))
        .unwrap_or_else(|| panic!("no {scope_id} {metric}"));
    // Parsing a written figure to compare with a tolerance; no amount is computed here.
    line.rsplit(',').next().unwrap().parse().unwrap()
}

on_both_backends! {
    fn pilot_size_run_matches_the_plan_and_the_pilot_figures(backend) {
        let ws = Workspace::on(&backend);
        let months = vec![Period::parse("2012-07").unwrap(), Period::parse("2012-08").unwrap()];
        let options = FixtureOptions { districts: 26, women_per_district: 935, months, seed: 7 };
        let summary = generate(&ws.path("inbox"), &options).unwrap();
        assert_eq!(summary.women, 24_310);
        let out = ws.alcancia(&["run"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        for month in &summary.months {
            let period = month.period.to_string();
            let text =
                std::fs::read_to_string(ws.path(&format!("out/{period}/reconciliation_summary.csv"))).unwrap();
            for (category, planted) in &month.exceptions {
                let line = text.lines().find(|l| l.split(',').nth(1) == Some(category.as_str())).unwrap();
                let count: usize = line.split(',').nth(2).unwrap().parse().unwrap();
                assert_eq!(count, *planted, "{period} {}", category.as_str());
            }
            let pilot_rate = indicator(&ws, &period, "PILOTO", "savers_rate");
            let control_rate = indicator(&ws, &period, "CONTROL", "savers_rate");
            let pilot_pct = indicator(&ws, &period, "PILOTO", "avg_balance_pct_transfer");
            assert!((0.18..=0.24).contains(&pilot_rate), "{period} pilot savers rate {pilot_rate}");
            assert!(control_rate < 0.02, "{period} control savers rate {control_rate}");
            assert!((4.5..=7.0).contains(&pilot_pct), "{period} pilot balance {pilot_pct} % of transfer");
        }
    }
}
