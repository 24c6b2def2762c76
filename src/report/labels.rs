//! Every word the person-facing reports show, in Spanish (the default) and English
//! (`report.language`). The category texts say what each exception means and what a manager
//! does about it.

use crate::domain::Period;
use crate::reconcile::Category;

/// The language of the person-facing reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Language {
    #[default]
    Es,
    En,
}

impl Language {
    /// Reads `es` or `en`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "es" => Some(Self::Es),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Es => "es",
            Self::En => "en",
        }
    }

    pub fn labels(self) -> &'static Labels {
        match self {
            Self::Es => &ES,
            Self::En => &EN,
        }
    }

    /// `julio de 2012` / `July 2012`.
    pub fn month(self, period: Period) -> String {
        let i = usize::try_from(period.month()).unwrap_or(1).clamp(1, 12) - 1;
        match self {
            Self::Es => format!("{} de {}", MESES.get(i).copied().unwrap_or(""), period.year()),
            Self::En => format!("{} {}", MONTHS.get(i).copied().unwrap_or(""), period.year()),
        }
    }
}

const MESES: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The fixed words of the reports.
pub struct Labels {
    pub title: &'static str,
    pub subtitle: &'static str,
    pub summary: &'static str,
    pub women_active: &'static str,
    pub instructed: &'static str,
    pub credited: &'static str,
    pub savers: &'static str,
    pub balance_pct: &'static str,
    pub payments: &'static str,
    pub category: &'static str,
    pub code: &'static str,
    pub cases: &'static str,
    pub expected: &'static str,
    pub actual: &'static str,
    pub total: &'static str,
    pub exceptions: &'static str,
    pub exceptions_intro: &'static str,
    pub no_exceptions: &'static str,
    pub what_to_do: &'static str,
    pub district: &'static str,
    pub no_district: &'static str,
    pub indicators: &'static str,
    pub chart_district: &'static str,
    pub chart_groups: &'static str,
    pub chart_trend: &'static str,
    pub chart_balance: &'static str,
    pub program: &'static str,
    pub pilot: &'static str,
    pub control: &'static str,
    pub savers_rate: &'static str,
    pub depositors_rate: &'static str,
    pub withdrew_all_rate: &'static str,
    pub metric: &'static str,
    pub accounts_with_data: &'static str,
    pub avg_balance: &'static str,
    pub median_balance: &'static str,
    pub raffle: &'static str,
    pub raffle_pending: &'static str,
    pub raffle_eligible: &'static str,
    pub raffle_drawn: &'static str,
    pub role: &'static str,
    pub rank: &'static str,
    pub name: &'static str,
    pub winner: &'static str,
    pub alternate: &'static str,
    pub footer: &'static str,
    pub no_data: &'static str,
    pub sheet_summary: &'static str,
    pub sheet_exceptions: &'static str,
    pub sheet_account_months: &'static str,
    /// The account-month sheet of a period with more account-months than one sheet holds:
    /// `{n}` is their count, `{max}` a sheet's rows.
    pub account_months_in_csv: &'static str,
    pub sheet_indicators: &'static str,
    pub sheet_raffle: &'static str,
    pub period: &'static str,
    pub group: &'static str,
    pub scope: &'static str,
    pub value: &'static str,
}

/// What a category is called, what it means and what to do about it.
pub struct CategoryText {
    pub name: &'static str,
    pub meaning: &'static str,
    pub action: &'static str,
}

static ES: Labels = Labels {
    title: "Conciliación e indicadores de ahorro",
    subtitle: "Programa de transferencias condicionadas · reporte mensual para la gestión",
    summary: "Resumen de la conciliación",
    women_active: "Mujeres activas en el padrón",
    instructed: "Pagos instruidos",
    credited: "Pagos abonados por el banco",
    savers: "Ahorristas",
    balance_pct: "Saldo promedio / transferencia",
    payments: "pagos",
    category: "Categoría",
    code: "Código",
    cases: "Casos",
    expected: "Monto esperado",
    actual: "Monto observado",
    total: "Total",
    exceptions: "Excepciones por atender",
    exceptions_intro: "Cada caso, con DNI y cuenta, está en la hoja «Excepciones» de reporte.xlsx \
        y en reconciliation_exceptions.csv. Este reporte no muestra datos personales.",
    no_exceptions: "Sin excepciones en el periodo.",
    what_to_do: "Qué hacer",
    district: "Distrito",
    no_district: "(fuera del padrón)",
    indicators: "Indicadores",
    chart_district: "Tasa de ahorristas por distrito",
    chart_groups: "Piloto frente a control",
    chart_trend: "Tasa de ahorristas por mes",
    chart_balance: "Saldo promedio a fin de mes, % de la transferencia",
    program: "Programa",
    pilot: "Piloto",
    control: "Control",
    savers_rate: "Tasa de ahorristas",
    depositors_rate: "Depósitos voluntarios",
    withdrew_all_rate: "Retiraron todo",
    metric: "Indicador",
    accounts_with_data: "Cuentas con datos",
    avg_balance: "Saldo promedio a fin de mes",
    median_balance: "Saldo mediano a fin de mes",
    raffle: "Sorteo de canastas",
    raffle_pending: "Sorteo pendiente",
    raffle_eligible: "Lista de elegibles publicada",
    raffle_drawn: "Sorteo realizado",
    role: "Rol",
    rank: "Orden",
    name: "Nombre",
    winner: "Ganadora",
    alternate: "Suplente",
    footer: "Generado por alcancia a partir de los datos almacenados del periodo. Montos en soles; \
        tasas sobre las cuentas con datos.",
    no_data: "sin datos",
    sheet_summary: "Resumen",
    sheet_exceptions: "Excepciones",
    sheet_account_months: "Cuentas-mes",
    account_months_in_csv: "Este periodo tiene {n} cuentas-mes, más de las {max} filas que caben en una \
        hoja de Excel. Están todas en account_months.csv, en la misma carpeta que este archivo; \
        los indicadores de este libro las resumen por programa, grupo, región y distrito.",
    sheet_indicators: "Indicadores",
    sheet_raffle: "Sorteo",
    period: "Periodo",
    group: "Grupo",
    scope: "Ámbito",
    value: "Valor",
};

static EN: Labels = Labels {
    title: "Reconciliation and savings indicators",
    subtitle: "Conditional cash transfer programme · monthly management report",
    summary: "Reconciliation summary",
    women_active: "Active women in the roster",
    instructed: "Payments instructed",
    credited: "Payments credited by the bank",
    savers: "Savers",
    balance_pct: "Average balance / transfer",
    payments: "payments",
    category: "Category",
    code: "Code",
    cases: "Cases",
    expected: "Expected amount",
    actual: "Observed amount",
    total: "Total",
    exceptions: "Exceptions to act on",
    exceptions_intro: "Each case, with DNI and account, is in the “Exceptions” sheet of reporte.xlsx \
        and in reconciliation_exceptions.csv. This report shows no personal data.",
    no_exceptions: "No exceptions this period.",
    what_to_do: "What to do",
    district: "District",
    no_district: "(not in the roster)",
    indicators: "Indicators",
    chart_district: "Savers rate by district",
    chart_groups: "Pilot against control",
    chart_trend: "Savers rate by month",
    chart_balance: "Average month-end balance, % of the transfer",
    program: "Programme",
    pilot: "Pilot",
    control: "Control",
    savers_rate: "Savers rate",
    depositors_rate: "Voluntary deposits",
    withdrew_all_rate: "Withdrew everything",
    metric: "Indicator",
    accounts_with_data: "Accounts with data",
    avg_balance: "Average month-end balance",
    median_balance: "Median month-end balance",
    raffle: "Food-basket raffle",
    raffle_pending: "Raffle pending",
    raffle_eligible: "Eligible list published",
    raffle_drawn: "Raffle drawn",
    role: "Role",
    rank: "Rank",
    name: "Name",
    winner: "Winner",
    alternate: "Alternate",
    footer: "Generated by alcancia from the period's stored data. Amounts in soles; rates over the \
        accounts with data.",
    no_data: "no data",
    sheet_summary: "Summary",
    sheet_exceptions: "Exceptions",
    sheet_account_months: "Account-months",
    account_months_in_csv: "This period has {n} account-months, more than the {max} rows an Excel \
        sheet holds. They are all in account_months.csv, in the same folder as this file; the \
        indicators in this workbook sum them up by programme, group, region and district.",
    sheet_indicators: "Indicators",
    sheet_raffle: "Raffle",
    period: "Period",
    group: "Group",
    scope: "Scope",
    value: "Value",
};

/// The texts of one exception category.
pub fn category(language: Language, category: Category) -> CategoryText {
    let (name, meaning, action) = match language {
        Language::Es => es_category(category),
        Language::En => en_category(category),
    };
    CategoryText { name, meaning, action }
}

fn es_category(c: Category) -> (&'static str, &'static str, &'static str) {
    match c {
        Category::MissingInstruction => (
            "Sin instrucción de pago",
            "Mujer ACTIVA en el padrón a quien no se instruyó ningún pago este mes.",
            "Confirmar con el área de pagos si quedó fuera del lote e instruir el pago pendiente.",
        ),
        Category::NotEntitled => (
            "Pago a quien no corresponde",
            "Se instruyó un pago a un DNI que no está en el padrón del mes o no está ACTIVO.",
            "Revisar el estado en el padrón; si no corresponde, pedir al banco la reversión.",
        ),
        Category::AmountMismatch => (
            "Monto instruido distinto al padrón",
            "El monto instruido no es el monto del padrón para esa mujer.",
            "Corregir el lote o el padrón; regularizar la diferencia en el próximo pago.",
        ),
        Category::AccountMismatch => (
            "Pago a otra cuenta",
            "La instrucción lleva una cuenta distinta a la del padrón para ese DNI.",
            "Verificar la cuenta con el banco; si el dinero fue a otra persona, pedir la reversión.",
        ),
        Category::DuplicateInstruction => (
            "Instrucción duplicada",
            "Se instruyó más de un pago a la misma mujer en el mes.",
            "Anular la instrucción repetida; si se abonó, pedir la reversión al banco.",
        ),
        Category::NotCredited => (
            "Pago no abonado",
            "Ningún abono del banco corresponde a la instrucción.",
            "Reclamar al banco con la referencia; la mujer no recibió este pago.",
        ),
        Category::CreditAmountMismatch => (
            "Abono por otro monto",
            "El banco abonó un monto distinto al instruido.",
            "Reclamar la diferencia al banco con la referencia y la fecha del abono.",
        ),
        Category::DuplicateCredit => (
            "Abono duplicado",
            "El banco abonó dos veces la misma referencia.",
            "Coordinar con el banco el extorno del abono repetido.",
        ),
        Category::UnexpectedCredit => (
            "Abono inesperado",
            "Abono con una referencia que no corresponde a ninguna instrucción.",
            "Pedir al banco el origen del abono; no es un pago del programa.",
        ),
        Category::Returned => (
            "Pago extornado",
            "El banco revirtió un abono ya conciliado: la mujer no tiene ese dinero.",
            "Averiguar el motivo con el banco e instruir de nuevo el pago si corresponde.",
        ),
        Category::BalanceGap => (
            "Salto de saldo entre extractos",
            "El saldo inicial de un extracto no coincide con el saldo final del anterior.",
            "Pedir al banco los movimientos que faltan o un extracto corregido.",
        ),
    }
}

fn en_category(c: Category) -> (&'static str, &'static str, &'static str) {
    match c {
        Category::MissingInstruction => (
            "No payment instruction",
            "An ACTIVE woman in the roster was instructed no payment this month.",
            "Check with payments whether she was left out of the batch and instruct the payment.",
        ),
        Category::NotEntitled => (
            "Payment to someone not entitled",
            "A payment was instructed for a DNI absent from the month's roster or not ACTIVE there.",
            "Check her status in the roster; if she is not entitled, ask the bank to reverse it.",
        ),
        Category::AmountMismatch => (
            "Instructed amount differs from the roster",
            "The instructed amount is not her roster amount.",
            "Correct the batch or the roster; settle the difference in the next payment.",
        ),
        Category::AccountMismatch => (
            "Payment to another account",
            "The instruction names an account other than her roster account.",
            "Check the account with the bank; if the money reached someone else, ask for a reversal.",
        ),
        Category::DuplicateInstruction => (
            "Duplicate instruction",
            "More than one payment was instructed for the same woman this month.",
            "Cancel the repeated instruction; if it was credited, ask the bank to reverse it.",
        ),
        Category::NotCredited => (
            "Payment not credited",
            "No credit from the bank matches the instruction.",
            "Claim it from the bank with the reference; she did not receive this payment.",
        ),
        Category::CreditAmountMismatch => (
            "Credited for another amount",
            "The bank credited an amount other than the one instructed.",
            "Claim the difference from the bank with the reference and the credit's date.",
        ),
        Category::DuplicateCredit => (
            "Duplicate credit",
            "The bank credited the same reference twice.",
            "Agree with the bank on reversing the repeated credit.",
        ),
        Category::UnexpectedCredit => (
            "Unexpected credit",
            "A credit carries a reference that matches no instruction.",
            "Ask the bank where it comes from; it is not a programme payment.",
        ),
        Category::Returned => (
            "Payment returned",
            "The bank reversed a reconciled credit: she does not have that money.",
            "Find out why from the bank and instruct the payment again if due.",
        ),
        Category::BalanceGap => (
            "Balance gap between statements",
            "A statement's opening balance differs from the previous statement's closing balance.",
            "Ask the bank for the missing movements or a corrected statement.",
        ),
    }
}
