//! Calendar months (`YYYY-MM`) and raffle periods (`YYYY-Bn`, two months each).

use chrono::{Datelike, Days, NaiveDate};
use std::fmt;

/// A calendar month.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Period {
    year: i32,
    month: u32,
}

impl Period {
    /// Parses `YYYY-MM` with a month in 1..=12 and a year in 1900..=9999.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("period must be YYYY-MM, got {:?}", super::dni::shorten(text));
        let b = text.as_bytes();
        if b.len() != 7
            || b[4] != b'-'
            || !text[..4].bytes().chain(text[5..].bytes()).all(|c| c.is_ascii_digit())
        {
            return Err(bad());
        }
        let year: i32 = text[..4].parse().map_err(|_| bad())?;
        let month: u32 = text[5..].parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) || year < 1900 {
            return Err(bad());
        }
        Ok(Self { year, month })
    }

    pub fn of_date(date: NaiveDate) -> Self {
        Self { year: date.year(), month: date.month() }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("a Period is always a real month")
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().expect("month has a previous day")
    }

    /// The last day of the month plus `grace_days`: the end of the reconciliation window.
    pub fn window_end(self, grace_days: u32) -> NaiveDate {
        self.last_day() + Days::new(u64::from(grace_days))
    }

    pub fn next(self) -> Self {
        if self.month == 12 {
            Self { year: self.year + 1, month: 1 }
        } else {
            Self { year: self.year, month: self.month + 1 }
        }
    }

    pub fn previous(self) -> Self {
        if self.month == 1 {
            Self { year: self.year - 1, month: 12 }
        } else {
            Self { year: self.year, month: self.month - 1 }
        }
    }

    /// Every day of the month, in order.
    pub fn days(self) -> impl Iterator<Item = NaiveDate> {
        let last = self.last_day();
        self.first_day().iter_days().take_while(move |d| *d <= last)
    }

    /// The raffle period this month belongs to.
    pub fn raffle_period(self) -> RafflePeriod {
        RafflePeriod { year: self.year, n: self.month.div_ceil(2) }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl std::str::FromStr for Period {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::parse(s)
    }
}

/// Two calendar months: `B1` = January + February … `B6` = November + December.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct RafflePeriod {
    year: i32,
    n: u32,
}

impl RafflePeriod {
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad =
            || format!("raffle period must be YYYY-Bn with n in 1..6, got {:?}", super::dni::shorten(text));
        let b = text.as_bytes();
        if b.len() != 7 || &text[4..6] != "-B" || !text[..4].bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = text[..4].parse().map_err(|_| bad())?;
        let n = u32::from(b[6].wrapping_sub(b'0'));
        if !(1..=6).contains(&n) || year < 1900 {
            return Err(bad());
        }
        Ok(Self { year, n })
    }

    /// The two months (M1, M2).
    pub fn months(self) -> (Period, Period) {
        let m1 = Period { year: self.year, month: self.n * 2 - 1 };
        (m1, m1.next())
    }

    /// The raffle period before this one.
    pub fn previous(self) -> Self {
        if self.n == 1 {
            Self { year: self.year - 1, n: 6 }
        } else {
            Self { year: self.year, n: self.n - 1 }
        }
    }
}

impl fmt::Display for RafflePeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-B{}", self.year, self.n)
    }
}

impl std::str::FromStr for RafflePeriod {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_months() {
        let p = Period::parse("2012-07").unwrap();
        assert_eq!(p.to_string(), "2012-07");
        assert_eq!(p.last_day(), NaiveDate::from_ymd_opt(2012, 7, 31).unwrap());
        assert_eq!(Period::parse("2012-02").unwrap().last_day().day(), 29);
        assert_eq!(Period::parse("2012-12").unwrap().next().to_string(), "2013-01");
        assert_eq!(p.window_end(10), NaiveDate::from_ymd_opt(2012, 8, 10).unwrap());
        assert_eq!(p.days().count(), 31);
    }

    #[test]
    fn refuses_bad_months() {
        for bad in ["2012-13", "2012-00", "2012-7", "12-07", "2012/07", "abcd-ef", "2012-07 "] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn raffle_periods_pair_months() {
        let p = RafflePeriod::parse("2012-B4").unwrap();
        let (m1, m2) = p.months();
        assert_eq!((m1.to_string(), m2.to_string()), ("2012-07".into(), "2012-08".into()));
        assert_eq!(Period::parse("2012-08").unwrap().raffle_period(), p);
        assert_eq!(RafflePeriod::parse("2013-B1").unwrap().previous().to_string(), "2012-B6");
        for bad in ["2012-B0", "2012-B7", "2012-C1", "2012B1"] {
            assert!(RafflePeriod::parse(bad).is_err(), "{bad}");
        }
    }
}
