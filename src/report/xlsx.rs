//! `out/<M>/reporte.xlsx`: the manager's spreadsheet. Sheets: summary, exceptions,
//! account-months, indicators and (when drawn) the raffle. Cells are typed: amounts and counts
//! are numbers, periods are dates, text is written with `write_string`, so a text that begins
//! with `=` stays text and never becomes a formula. Headers are frozen, filtered and sized.
//!
//! The file is byte-for-byte reproducible: its creation date is the period's first day.

use super::account_month_rows::{AccountMonthRows, RowResult};
use super::labels::{self, Labels, Language};
use super::raffle_status::RaffleStatus;
use super::view::ReportView;
use crate::domain::Period;
use crate::reconcile::ExceptionRow;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

struct Formats {
    header: Format,
    period: Format,
    money: Format,
    count: Format,
    rate: Format,
    decimal: Format,
    note: Format,
}

impl Formats {
    fn new() -> Self {
        Self {
            header: Format::new().set_bold().set_background_color("#DCE6F0"),
            period: Format::new().set_num_format("yyyy-mm"),
            money: Format::new().set_num_format("#,##0.00"),
            count: Format::new().set_num_format("#,##0"),
            rate: Format::new().set_num_format("0.0%"),
            decimal: Format::new().set_num_format("#,##0.00"),
            note: Format::new().set_text_wrap(),
        }
    }
}

/// Deflate level of the xlsx container. The account-month sheet is most of the file (~580 bytes
/// of XML a row), and deflating it at the default level 6 was the longest part of the spreadsheet
/// at national scale. At 700,000 women level 3 took ~3.5 s of CPU less than level 6 for a file
/// 15 % larger (61.0 MB against 53.1 MB); level 1 saved no more and made it 68 % larger
/// (BENCHMARKS.md).
const ZIP_LEVEL: u8 = 3;

/// Renders the workbook into `out` as it is zipped. The long sheets are first written to
/// temporary files in `tempdir` (removed by the system as soon as they are closed, even when the
/// run is killed): at national scale they are gigabytes, so they go beside the outputs, on the
/// disk the operator chose for them, not to the system's temporary folder.
pub fn render(
    view: &ReportView<'_>,
    language: Language,
    raffle: &RaffleStatus,
    tempdir: &std::path::Path,
    out: impl std::io::Write + Send,
) -> Result<(), XlsxError> {
    let l = language.labels();
    let f = Formats::new();
    let mut workbook = Workbook::new();
    workbook.set_tempdir(tempdir)?;
    workbook.set_zip_compression_level(ZIP_LEVEL);
    let created = ExcelDateTime::from_ymd(year(view.period()), month(view.period()), 1)?;
    workbook.set_properties(&DocProperties::new().set_title(l.title).set_creation_datetime(&created));
    summary(workbook.add_worksheet(), view, language, &f)?;
    // The long sheets are written row by row to temporary files (constant memory). The
    // exceptions, each a case to act on, go over as many sheets as Excel's row limit needs; the
    // account-months only when they fit one (`account_month_sheet`).
    for (part, rows) in parts(&view.report.exceptions) {
        exceptions(
            workbook.add_worksheet_with_constant_memory()?,
            &sheet_name(l.sheet_exceptions, part),
            view,
            rows,
            l,
            &f,
        )?;
    }
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    account_month_sheet(sheet, &view.report.account_months, ROWS_PER_SHEET, l, &f)?;
    indicators(workbook.add_worksheet(), view, l, &f)?;
    if let RaffleStatus::Drawn { winners, .. } = raffle {
        let sheet = workbook.add_worksheet();
        header(
            sheet,
            l.sheet_raffle,
            &[(l.district, 10.0), (l.district, 24.0), (l.role, 12.0), (l.rank, 8.0), (l.name, 28.0)],
            &f,
        )?;
        for (i, w) in winners.iter().enumerate() {
            let row = row_of(i);
            sheet.write_string(row, 0, &w.ubigeo)?;
            sheet.write_string(row, 1, &w.distrito)?;
            sheet.write_string(row, 2, if w.role == "WINNER" { l.winner } else { l.alternate })?;
            sheet.write_number(row, 3, f64::from(w.rank))?;
            sheet.write_string(row, 4, &w.nombre)?;
        }
        filter(sheet, winners.len(), 4)?;
    }
    workbook.save_to_writer(out)
}

/// Data rows of one sheet: Excel's 1,048,576 rows less the header.
const ROWS_PER_SHEET: usize = 1_048_575;

/// The rows of a long sheet in sheets of at most [`ROWS_PER_SHEET`] (one, possibly empty, at
/// least), numbered from 1.
fn parts<T>(rows: &[T]) -> impl Iterator<Item = (usize, &[T])> {
    let chunks: Vec<&[T]> = if rows.is_empty() { vec![rows] } else { rows.chunks(ROWS_PER_SHEET).collect() };
    (1..).zip(chunks)
}

/// `Cuentas-mes`, then `Cuentas-mes (2)`, … for the continuation sheets.
fn sheet_name(name: &str, part: usize) -> String {
    if part == 1 {
        name.to_owned()
    } else {
        format!("{name} ({part})")
    }
}

fn year(p: Period) -> u16 {
    u16::try_from(p.year()).unwrap_or(1900)
}

fn month(p: Period) -> u8 {
    u8::try_from(p.month()).unwrap_or(1)
}

fn row_of(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX - 1).saturating_add(1)
}

/// Names the sheet, writes the header row, sizes the columns and freezes the header.
fn header(sheet: &mut Worksheet, name: &str, columns: &[(&str, f64)], f: &Formats) -> Result<(), XlsxError> {
    sheet.set_name(name)?;
    for (col, (title, width)) in columns.iter().enumerate() {
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        sheet.write_string_with_format(0, col, *title, &f.header)?;
        sheet.set_column_width(col, *width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn filter(sheet: &mut Worksheet, rows: usize, last_col: u16) -> Result<(), XlsxError> {
    sheet.autofilter(0, 0, row_of(rows).saturating_sub(1), last_col)?;
    Ok(())
}

fn period_cell(sheet: &mut Worksheet, row: u32, p: Period, f: &Formats) -> Result<(), XlsxError> {
    let date = ExcelDateTime::from_ymd(year(p), month(p), 1)?;
    sheet.write_datetime_with_format(row, 0, &date, &f.period)?;
    Ok(())
}

fn number(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: Option<Decimal>,
    format: &Format,
) -> Result<(), XlsxError> {
    match value.and_then(|v| v.to_f64()) {
        Some(v) => sheet.write_number_with_format(row, col, v, format)?,
        None => sheet.write_blank(row, col, format)?,
    };
    Ok(())
}

fn summary(
    sheet: &mut Worksheet,
    view: &ReportView<'_>,
    language: Language,
    f: &Formats,
) -> Result<(), XlsxError> {
    let l = language.labels();
    let columns = [
        (l.period, 10.0),
        (l.code, 26.0),
        (l.category, 36.0),
        (l.cases, 8.0),
        (l.expected, 16.0),
        (l.actual, 16.0),
        (l.what_to_do, 70.0),
    ];
    header(sheet, l.sheet_summary, &columns, f)?;
    let categories = view.categories();
    for (i, c) in categories.iter().enumerate() {
        let row = row_of(i);
        let text = labels::category(language, c.category);
        period_cell(sheet, row, view.period(), f)?;
        sheet.write_string(row, 1, c.category.code())?;
        sheet.write_string(row, 2, text.name)?;
        sheet.write_number_with_format(row, 3, c.tally.count as f64, &f.count)?;
        number(sheet, row, 4, c.tally.expected, &f.money)?;
        number(sheet, row, 5, c.tally.actual, &f.money)?;
        sheet.write_string(row, 6, text.action)?;
    }
    filter(sheet, categories.len(), 6)
}

fn exceptions(
    sheet: &mut Worksheet,
    name: &str,
    view: &ReportView<'_>,
    rows: &[ExceptionRow],
    l: &Labels,
    f: &Formats,
) -> Result<(), XlsxError> {
    let columns = [
        (l.period, 10.0),
        (l.code, 26.0),
        ("DNI", 11.0),
        ("Cuenta / CCI", 24.0),
        ("Ubigeo", 9.0),
        (l.district, 24.0),
        ("Referencia", 18.0),
        (l.expected, 16.0),
        (l.actual, 16.0),
        ("Detalle", 50.0),
    ];
    header(sheet, name, &columns, f)?;
    for (i, x) in rows.iter().enumerate() {
        let row = row_of(i);
        period_cell(sheet, row, x.period, f)?;
        sheet.write_string(row, 1, x.category.code())?;
        sheet.write_string(row, 2, &x.dni)?;
        sheet.write_string(row, 3, &x.cuenta)?;
        sheet.write_string(row, 4, &x.ubigeo)?;
        sheet.write_string(
            row,
            5,
            view.district(&x.ubigeo).map(|d| d.distrito.as_str()).unwrap_or_default(),
        )?;
        sheet.write_string(row, 6, &x.referencia)?;
        number(sheet, row, 7, x.expected_amount, &f.money)?;
        number(sheet, row, 8, x.actual_amount, &f.money)?;
        sheet.write_string(row, 9, &x.detail)?;
    }
    filter(sheet, rows.len(), 9)
}

/// The account-months, on one sheet when they fit one. A period with more (a country of 20
/// million families) gets a sheet that says so and where they are: its account-months are all
/// in `account_months.csv`, and twenty sheets of a million rows each are no report a manager can
/// open (at 20 million women they were a 1.7 GB workbook, and its longest part to write).
/// `rows_per_sheet`: [`ROWS_PER_SHEET`] (a parameter so that a test can reach it).
fn account_month_sheet(
    sheet: &mut Worksheet,
    rows: &AccountMonthRows,
    rows_per_sheet: usize,
    l: &Labels,
    f: &Formats,
) -> Result<(), XlsxError> {
    if rows.len() > rows_per_sheet {
        sheet.set_name(l.sheet_account_months)?;
        sheet.set_column_width(0, 120.0)?;
        let note = l
            .account_months_in_csv
            .replace("{n}", &super::format::count(rows.len() as u64))
            .replace("{max}", &super::format::count(rows_per_sheet as u64));
        sheet.write_string_with_format(0, 0, note, &f.note)?;
        return Ok(());
    }
    account_months(sheet, l.sheet_account_months, rows.iter().map_err(unreadable)?, l, f)
}

/// A row that could not be read back (a damaged temporary run), as the workbook's error.
fn unreadable(e: anyhow::Error) -> XlsxError {
    XlsxError::ParameterError(format!("{e:#}"))
}

fn account_months<'a>(
    sheet: &mut Worksheet,
    name: &str,
    rows: impl Iterator<Item = RowResult<'a>>,
    l: &Labels,
    f: &Formats,
) -> Result<(), XlsxError> {
    let columns = [
        (l.period, 10.0),
        ("DNI", 11.0),
        ("Cuenta / CCI", 24.0),
        ("Ubigeo", 9.0),
        (l.group, 10.0),
        ("month_end_balance", 17.0),
        ("min_balance", 13.0),
        ("avg_daily_balance", 17.0),
        ("cct_credits", 13.0),
        ("other_credits", 13.0),
        ("debits", 12.0),
        ("customer_movements", 19.0),
        ("saver", 8.0),
    ];
    header(sheet, name, &columns, f)?;
    // Formats by column, not by cell: a cell's own format is looked up in a hash of the whole
    // format, which at 700,000 rows was a noticeable part of the spreadsheet's time. Cells
    // written without a format take their column's.
    sheet.set_column_format(0, &f.period)?;
    for col in 5..=10 {
        sheet.set_column_format(col, &f.money)?;
    }
    sheet.set_column_format(11, &f.count)?;
    let money =
        |sheet: &mut Worksheet, row: u32, col: u16, value: Option<Decimal>| -> Result<(), XlsxError> {
            // An account-month without data leaves its balance cells empty.
            if let Some(v) = value.and_then(|v| v.to_f64()) {
                sheet.write_number(row, col, v)?;
            }
            Ok(())
        };
    let mut count = 0;
    for (i, a) in rows.enumerate() {
        let a = a.map_err(unreadable)?;
        let row = row_of(i);
        let b = a.balances.as_ref();
        sheet.write_datetime(row, 0, ExcelDateTime::from_ymd(year(a.period), month(a.period), 1)?)?;
        sheet.write_string(row, 1, a.dni.as_str())?;
        sheet.write_string(row, 2, a.cuenta.as_str())?;
        sheet.write_string(row, 3, a.ubigeo.as_str())?;
        sheet.write_string(row, 4, a.grupo.as_str())?;
        money(sheet, row, 5, b.map(|b| b.month_end))?;
        money(sheet, row, 6, b.map(|b| b.min))?;
        money(sheet, row, 7, b.map(|b| b.avg_daily.round_dp(2)))?;
        money(sheet, row, 8, Some(a.cct_credits))?;
        money(sheet, row, 9, Some(a.other_credits))?;
        money(sheet, row, 10, Some(a.debits))?;
        sheet.write_number(row, 11, f64::from(a.customer_movements))?;
        sheet.write_boolean(row, 12, a.saver)?;
        count = i + 1;
    }
    filter(sheet, count, 12)
}

fn indicators(
    sheet: &mut Worksheet,
    view: &ReportView<'_>,
    l: &Labels,
    f: &Formats,
) -> Result<(), XlsxError> {
    let columns =
        [(l.period, 10.0), (l.scope, 11.0), ("Id", 9.0), (l.name, 26.0), (l.metric, 28.0), (l.value, 14.0)];
    header(sheet, l.sheet_indicators, &columns, f)?;
    let rows: Vec<_> = view.report.indicators.iter().filter(|i| i.period == view.period()).collect();
    for (i, ind) in rows.iter().enumerate() {
        let row = row_of(i);
        period_cell(sheet, row, ind.period, f)?;
        sheet.write_string(row, 1, &ind.scope)?;
        sheet.write_string(row, 2, &ind.scope_id)?;
        let name = match ind.scope.as_str() {
            "DISTRICT" => view.district(&ind.scope_id).map(|d| d.distrito.clone()).unwrap_or_default(),
            "PROGRAM" => l.program.to_owned(),
            _ => String::new(),
        };
        sheet.write_string(row, 3, name)?;
        sheet.write_string(row, 4, &ind.metric)?;
        let format = if ind.metric.ends_with("_rate") {
            &f.rate
        } else if ind.metric.ends_with("_amount") || ind.metric.contains("balance") {
            if ind.metric == "avg_balance_pct_transfer" {
                &f.decimal
            } else {
                &f.money
            }
        } else {
            &f.count
        };
        number(sheet, row, 5, ind.value.parse::<Decimal>().ok(), format)?;
    }
    filter(sheet, rows.len(), 5)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sheet holds [`ROWS_PER_SHEET`] data rows below its header, and the last of them is
    /// Excel's last row: one more is refused.
    #[test]
    fn a_full_sheet_ends_on_excels_last_row() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet_with_constant_memory().expect("a temporary file for the sheet");
        sheet.write_number(row_of(ROWS_PER_SHEET - 1), 0, 1.0).expect("the last data row fits");
        assert!(matches!(
            sheet.write_number(row_of(ROWS_PER_SHEET), 0, 1.0),
            Err(XlsxError::RowColumnLimitError)
        ));
    }

    fn sizes<T>(rows: &[T]) -> Vec<(usize, usize)> {
        parts(rows).map(|(part, rows)| (part, rows.len())).collect()
    }

    /// Every row lands on exactly one sheet, none past the limit: an empty list still gets its
    /// (empty) sheet, 20 million exceptions would get 20.
    #[test]
    fn long_lists_continue_on_further_sheets() {
        assert_eq!(sizes::<()>(&[]), [(1, 0)]);
        assert_eq!(sizes(&[(); ROWS_PER_SHEET]), [(1, ROWS_PER_SHEET)]);
        assert_eq!(sizes(&[(); ROWS_PER_SHEET + 1]), [(1, ROWS_PER_SHEET), (2, 1)]);
        let national = sizes(&[(); 20_000_000]);
        assert_eq!(national.len(), 20);
        assert_eq!(national.iter().map(|(_, n)| n).sum::<usize>(), 20_000_000);
        assert!(national.iter().all(|(_, n)| *n <= ROWS_PER_SHEET));
        assert_eq!(national.last(), Some(&(20, 20_000_000 - 19 * ROWS_PER_SHEET)));
    }

    /// Continuation sheets are numbered, and every name stays within Excel's 31 characters.
    #[test]
    fn continuation_sheets_are_numbered_within_excels_name_limit() {
        assert_eq!(sheet_name("Cuentas-mes", 1), "Cuentas-mes");
        assert_eq!(sheet_name("Cuentas-mes", 2), "Cuentas-mes (2)");
        for language in [Language::Es, Language::En] {
            let l = language.labels();
            for name in [l.sheet_exceptions, l.sheet_account_months] {
                assert!(sheet_name(name, 20).chars().count() <= 31, "{name}");
            }
        }
    }

    /// The account-month sheet of `rows` account-months, with sheets of `limit` rows, read back.
    fn account_month_sheet_of(rows: usize, limit: usize, language: Language) -> Vec<Vec<calamine::Data>> {
        use crate::savings::AccountMonth;
        use calamine::Reader as _;
        let period = Period::parse("2012-07").unwrap();
        let rows: Vec<AccountMonth> = (0..rows)
            .map(|i| AccountMonth {
                period,
                dni: format!("{:08}", 10_000_000 + i).into(),
                cuenta: format!("{i:020}").into(),
                ubigeo: "150101".into(),
                grupo: crate::domain::Grupo::Piloto,
                balances: None,
                cct_credits: Decimal::ZERO,
                other_credits: Decimal::ZERO,
                debits: Decimal::ZERO,
                customer_movements: 0,
                voluntary_deposits: 0,
                saver: false,
            })
            .collect();
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet_with_constant_memory().unwrap();
        account_month_sheet(sheet, &AccountMonthRows::from(rows), limit, language.labels(), &Formats::new())
            .unwrap();
        let bytes = workbook.save_to_buffer().unwrap();
        let mut read: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let name = language.labels().sheet_account_months;
        assert_eq!(read.sheet_names(), [name]);
        read.worksheet_range(name).unwrap().rows().map(<[calamine::Data]>::to_vec).collect()
    }

    /// Account-months that fit one sheet are on it, one row each below the header; one more,
    /// and the sheet says how many there are and that they are in `account_months.csv`
    /// (a country of 20 million families), in the report's language.
    #[test]
    fn account_months_past_one_sheet_are_named_and_left_to_the_csv() {
        let fitting = account_month_sheet_of(3, 3, Language::Es);
        assert_eq!(fitting.len(), 4);
        assert_eq!(fitting[0][1], calamine::Data::String("DNI".into()));
        assert_eq!(fitting[3][1], calamine::Data::String("10000002".into()));
        let over = account_month_sheet_of(4, 3, Language::Es);
        let text = |cells: &[Vec<calamine::Data>]| match cells {
            [row] => match row.as_slice() {
                [calamine::Data::String(text)] => text.clone(),
                other => panic!("one text cell expected, got {other:?}"),
            },
            other => panic!("one row expected, got {other:?}"),
        };
        assert_eq!(
            text(&over),
            "Este periodo tiene 4 cuentas-mes, más de las 3 filas que caben en una hoja de Excel. \
             Están todas en account_months.csv, en la misma carpeta que este archivo; los \
             indicadores de este libro las resumen por programa, grupo, región y distrito."
        );
        let over = account_month_sheet_of(2_001, 2_000, Language::En);
        assert!(text(&over).starts_with("This period has 2,001 account-months, more than the 2,000 rows"));
    }
}
