//! The indicators section: four charts (savers rate by district, pilot against control, the
//! trend over the stored months, average balance as % of the transfer) and a table of the
//! main figures per group. Values are the stored indicators; a chart that cannot be drawn is
//! left out with a warning rather than failing the run.

use crate::report::charts::{self, Bar, Line, CONTROL, PILOT, PROGRAM};
use crate::report::format;
use crate::report::labels::Labels;
use crate::report::view::ReportView;
use maud::{html, Markup, PreEscaped};
use plotters::style::RGBColor;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

/// The three scopes compared: (scope, scope_id, label, colour).
fn groups(l: &Labels) -> [(&'static str, &'static str, &'static str, RGBColor); 3] {
    [
        ("PROGRAM", "ALL", l.program, PROGRAM),
        ("GROUP", "PILOTO", l.pilot, PILOT),
        ("GROUP", "CONTROL", l.control, CONTROL),
    ]
}

fn pct(rate: Option<Decimal>) -> Option<f64> {
    rate.and_then(|r| (r * Decimal::ONE_HUNDRED).to_f64())
}

fn svg(result: Result<String, String>) -> Markup {
    match result {
        Ok(svg) => html! { div.chart { (PreEscaped(svg)) } },
        Err(error) => {
            tracing::warn!(%error, "A chart could not be drawn; left out of the report.");
            html! {}
        }
    }
}

pub fn section(view: &ReportView<'_>, l: &Labels) -> Markup {
    html! {
        section.indicators #indicators {
            h2 { (l.indicators) }
            div.figure { h3 { (l.chart_district) } (svg(charts::bars(&district_bars(view, l)))) }
            div.figure { h3 { (l.chart_groups) } (svg(charts::bars(&group_bars(view, l)))) }
            div.figure { h3 { (l.chart_trend) } (svg(trend(view, l))) }
            div.figure { h3 { (l.chart_balance) } (svg(charts::bars(&balance_bars(view, l)))) }
            (table(view, l))
        }
    }
}

fn district_bars(view: &ReportView<'_>, l: &Labels) -> Vec<Bar> {
    view.report
        .districts
        .iter()
        .map(|d| {
            let rate = view.value("DISTRICT", &d.ubigeo, "savers_rate");
            let counts = format!(
                "({} / {})",
                format::count(view.count("DISTRICT", &d.ubigeo, "savers")),
                format::count(view.count("DISTRICT", &d.ubigeo, "accounts_with_data"))
            );
            Bar {
                label: view.district_label(&d.ubigeo, l.no_district),
                value: pct(rate),
                text: rate
                    .map(|r| format!("{} {counts}", format::rate(r)))
                    .unwrap_or_else(|| l.no_data.into()),
                color: if d.grupo == "PILOTO" { PILOT } else { CONTROL },
            }
        })
        .collect()
}

fn group_bars(view: &ReportView<'_>, l: &Labels) -> Vec<Bar> {
    let metrics = [
        ("savers_rate", l.savers_rate),
        ("voluntary_depositors_rate", l.depositors_rate),
        ("withdrew_all_rate", l.withdrew_all_rate),
    ];
    let mut bars = Vec::new();
    for (metric, metric_label) in metrics {
        for (id, label, color) in [("PILOTO", l.pilot, PILOT), ("CONTROL", l.control, CONTROL)] {
            let rate = view.value("GROUP", id, metric);
            bars.push(Bar {
                label: format!("{metric_label} · {label}"),
                value: pct(rate),
                text: rate.map(format::rate).unwrap_or_else(|| l.no_data.into()),
                color,
            });
        }
    }
    bars
}

fn balance_bars(view: &ReportView<'_>, l: &Labels) -> Vec<Bar> {
    groups(l)
        .into_iter()
        .map(|(scope, id, label, color)| {
            let value = view.value(scope, id, "avg_balance_pct_transfer");
            Bar {
                label: label.into(),
                value: value.and_then(|v| v.to_f64()),
                text: value.map(format::percent).unwrap_or_else(|| l.no_data.into()),
                color,
            }
        })
        .collect()
}

fn trend(view: &ReportView<'_>, l: &Labels) -> Result<String, String> {
    let periods = view.periods();
    let lines: Vec<Line> = groups(l)
        .into_iter()
        .map(|(scope, id, label, color)| Line {
            name: label.into(),
            color,
            values: periods.iter().map(|p| pct(view.value_in(*p, scope, id, "savers_rate"))).collect(),
        })
        .collect();
    let names: Vec<String> = periods.iter().map(ToString::to_string).collect();
    charts::trend(&names, &lines)
}

fn table(view: &ReportView<'_>, l: &Labels) -> Markup {
    type Show = fn(Decimal) -> String;
    let whole: Show = |d| d.to_u64().map(format::count).unwrap_or_default();
    let rows: [(&str, &str, Show); 8] = [
        (l.women_active, "active_beneficiaries", whole),
        (l.accounts_with_data, "accounts_with_data", whole),
        (l.savers, "savers", whole),
        (l.savers_rate, "savers_rate", format::rate),
        (l.avg_balance, "avg_month_end_balance", format::soles),
        (l.median_balance, "median_month_end_balance", format::soles),
        (l.balance_pct, "avg_balance_pct_transfer", format::percent),
        (l.depositors_rate, "voluntary_depositors_rate", format::rate),
    ];
    html! {
        table.metrics {
            thead { tr { th { (l.metric) } @for (_, _, label, _) in groups(l) { th.num { (label) } } } }
            tbody {
                @for (label, metric, show) in rows {
                    tr {
                        td { (label) }
                        @for (scope, id, _, _) in groups(l) {
                            td.num { (view.value(scope, id, metric).map(show).unwrap_or_else(|| "—".into())) }
                        }
                    }
                }
            }
        }
    }
}
