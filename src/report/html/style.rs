//! The page's inline stylesheet: screen and A4 print.

pub const CSS: &str = r#"
@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
body { font-family: "Segoe UI", "Helvetica Neue", Arial, sans-serif; color: #1f2933; margin: 0 auto;
       max-width: 820px; padding: 24px 28px 40px; font-size: 14px; line-height: 1.45; background: #fff; }
header { border-bottom: 4px solid #1b7f79; padding-bottom: 10px; margin-bottom: 18px; }
.kicker { text-transform: uppercase; letter-spacing: .08em; font-size: 11px; color: #52606d; margin: 0; }
h1 { font-size: 26px; margin: 4px 0 2px; color: #2c3e66; }
.period { font-size: 18px; margin: 0; color: #1b7f79; font-weight: 600; }
h2 { font-size: 19px; color: #2c3e66; border-bottom: 1px solid #d9e2ec; padding-bottom: 4px; margin: 26px 0 10px; }
h3 { font-size: 15px; margin: 8px 0 4px; }
.code { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 11px; color: #7b8794; font-weight: normal; }
.kpis { display: grid; grid-template-columns: repeat(5, 1fr); gap: 8px; }
.kpi { border: 1px solid #d9e2ec; border-top: 4px solid #2c3e66; border-radius: 4px; padding: 8px 10px; }
.kpi-label { font-size: 11px; color: #52606d; min-height: 30px; }
.kpi-value { font-size: 19px; font-weight: 700; color: #1f2933; white-space: nowrap; }
.kpi-note { font-size: 11px; color: #7b8794; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; }
th, td { padding: 4px 8px; border-bottom: 1px solid #e4e7eb; text-align: left; vertical-align: top; }
thead th { background: #f0f4f8; font-size: 12px; color: #3e4c59; }
tfoot th { border-top: 2px solid #9aa5b1; }
.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.zero td { color: #9aa5b1; }
tr.hit td:first-child { font-weight: 600; }
.note { color: #52606d; font-size: 12px; }
.card { border: 1px solid #d9e2ec; border-left: 5px solid #c8793a; border-radius: 4px; padding: 6px 12px;
        margin: 10px 0; break-inside: avoid; page-break-inside: avoid; }
.card p { margin: 3px 0; }
.action { background: #fdf6ec; padding: 4px 8px; border-radius: 3px; }
.badge { background: #c8793a; color: #fff; border-radius: 10px; padding: 0 8px; font-size: 12px; }
table.compact { width: auto; min-width: 60%; font-size: 13px; }
.figure { break-inside: avoid; page-break-inside: avoid; margin: 8px 0 14px; }
.chart svg { width: 100%; height: auto; display: block; }
table.metrics td:first-child { width: 40%; }
.status { font-size: 15px; font-weight: 600; color: #2c3e66; }
footer { margin-top: 28px; padding-top: 8px; border-top: 1px solid #d9e2ec; font-size: 11px; color: #7b8794; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  section.indicators, section.raffle { break-before: page; page-break-before: always; }
}
"#;
