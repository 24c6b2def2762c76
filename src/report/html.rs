//! `out/<M>/reporte.html`: one self-contained page for programme managers (inline CSS and SVG,
//! no script, nothing fetched from the network, A4 print layout). Every text is escaped by
//! `maud`; the SVG charts come from `plotters`, which escapes its own text.
//!
//! The page shows no DNI, account or name: it may be forwarded by e-mail. The cases themselves
//! are in `reporte.xlsx` and the CSVs.

mod indicators;
mod style;

use super::format;
use super::labels::{self, Labels, Language};
use super::raffle_status::RaffleStatus;
use super::view::{CategoryView, ReportView, Tally};
use maud::{html, Markup, PreEscaped, DOCTYPE};

/// Renders the page.
pub fn render(view: &ReportView<'_>, language: Language, raffle: &RaffleStatus) -> String {
    let l = language.labels();
    let month = language.month(view.period());
    let page = html! {
        (DOCTYPE)
        html lang=(language.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (l.title) " — " (month) }
                style { (PreEscaped(style::CSS)) }
            }
            body {
                header {
                    p.kicker { (l.subtitle) }
                    h1 { (l.title) }
                    p.period { (month) " · " span.code { (view.period().to_string()) } }
                }
                (headline(view, l))
                (summary(view, language))
                (exceptions(view, language))
                (indicators::section(view, l))
                (raffle_section(view, l, raffle))
                footer { (l.footer) }
            }
        }
    };
    page.into_string()
}

fn kpi(label: &str, value: String, note: Option<String>) -> Markup {
    html! {
        div.kpi {
            div.kpi-label { (label) }
            div.kpi-value { (value) }
            @if let Some(note) = note { div.kpi-note { (note) } }
        }
    }
}

fn headline(view: &ReportView<'_>, l: &Labels) -> Markup {
    let v = |m: &str| view.value("PROGRAM", "ALL", m);
    let money = |m: &str| v(m).map(format::soles).unwrap_or_else(|| "—".into());
    html! {
        section.kpis {
            (kpi(l.women_active, format::count(view.count("PROGRAM", "ALL", "active_beneficiaries")), None))
            (kpi(l.instructed, money("instructed_amount"),
                Some(format!("{} {}", format::count(view.count("PROGRAM", "ALL", "instructed_count")), l.payments))))
            (kpi(l.credited, money("credited_amount"),
                Some(format!("{} {}", format::count(view.count("PROGRAM", "ALL", "credited_count")), l.payments))))
            (kpi(l.savers, v("savers_rate").map(format::rate).unwrap_or_else(|| "—".into()),
                Some(format!("{} / {}", format::count(view.count("PROGRAM", "ALL", "savers")),
                    format::count(view.count("PROGRAM", "ALL", "accounts_with_data"))))))
            (kpi(l.balance_pct, v("avg_balance_pct_transfer").map(format::percent).unwrap_or_else(|| "—".into()), None))
        }
    }
}

fn amount_cell(value: Option<rust_decimal::Decimal>) -> Markup {
    html! { td.num { @if let Some(v) = value { (format::soles(v)) } @else { "—" } } }
}

fn tally_cells(t: &Tally) -> Markup {
    html! { td.num { (format::count(t.count)) } (amount_cell(t.expected)) (amount_cell(t.actual)) }
}

fn summary(view: &ReportView<'_>, language: Language) -> Markup {
    let l = language.labels();
    html! {
        section.summary #summary {
            h2 { (l.summary) }
            table {
                thead { tr { th { (l.category) } th { (l.code) } th.num { (l.cases) } th.num { (l.expected) } th.num { (l.actual) } } }
                tbody {
                    @for c in view.categories() {
                        tr class=(if c.tally.count > 0 { "hit" } else { "zero" }) {
                            td { (labels::category(language, c.category).name) }
                            td.code { (c.category.code()) }
                            (tally_cells(&c.tally))
                        }
                    }
                }
                tfoot { tr { th { (l.total) } th {} th.num { (format::count(view.total().count)) } th {} th {} } }
            }
        }
    }
}

fn exceptions(view: &ReportView<'_>, language: Language) -> Markup {
    let l = language.labels();
    let hits: Vec<CategoryView> = view.categories().into_iter().filter(|c| c.tally.count > 0).collect();
    html! {
        section.exceptions #exceptions {
            h2 { (l.exceptions) }
            p.note { (l.exceptions_intro) }
            @if hits.is_empty() { p { (l.no_exceptions) } }
            @for c in &hits { (exception_card(view, language, c)) }
        }
    }
}

fn exception_card(view: &ReportView<'_>, language: Language, c: &CategoryView) -> Markup {
    let l = language.labels();
    let text = labels::category(language, c.category);
    html! {
        div.card {
            h3 { (text.name) " " span.badge { (format::count(c.tally.count)) } " " span.code { (c.category.code()) } }
            p { (text.meaning) }
            p.action { strong { (l.what_to_do) ": " } (text.action) }
            table.compact {
                thead { tr { th { (l.district) } th.num { (l.cases) } th.num { (l.expected) } th.num { (l.actual) } } }
                tbody {
                    @for (ubigeo, t) in &c.by_district {
                        tr { td { (view.district_label(ubigeo, l.no_district)) } (tally_cells(t)) }
                    }
                }
            }
        }
    }
}

fn raffle_section(view: &ReportView<'_>, l: &Labels, raffle: &RaffleStatus) -> Markup {
    let period = view.period().raffle_period();
    html! {
        section.raffle #raffle {
            h2 { (l.raffle) " " span.code { (period.to_string()) } }
            @match raffle {
                RaffleStatus::Pending => p.status { (l.raffle_pending) },
                RaffleStatus::Eligible { eligible } => p.status { (l.raffle_eligible) ": " (format::count(*eligible)) },
                RaffleStatus::Drawn { eligible, drawn_at, winners } => {
                    p.status { (l.raffle_drawn) " (" (drawn_at) ") · " (l.raffle_eligible) ": " (format::count(*eligible)) }
                    table.compact {
                        thead { tr { th { (l.district) } th { (l.role) } th.num { (l.rank) } th { (l.name) } } }
                        tbody {
                            @for w in winners {
                                tr {
                                    td { (view.district_label(&w.ubigeo, l.no_district)) }
                                    td { (if w.role == "WINNER" { l.winner } else { l.alternate }) }
                                    td.num { (w.rank) }
                                    td { (w.nombre) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
