//! The closed vocabularies of the roster: `grupo` and `estado`.

use std::fmt;

/// Whether a district is in the savings pilot or a control district.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Grupo {
    Piloto,
    Control,
}

impl Grupo {
    /// Upper case as written (SPEC §7): `PILOTO` or `CONTROL`.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "PILOTO" => Ok(Self::Piloto),
            "CONTROL" => Ok(Self::Control),
            other => Err(format!("grupo must be PILOTO or CONTROL, got {:?}", super::dni::shorten(other))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Piloto => "PILOTO",
            Self::Control => "CONTROL",
        }
    }
}

impl fmt::Display for Grupo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A beneficiary's status in the month's roster.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Estado {
    Activo,
    Suspendido,
    Retirado,
}

impl Estado {
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "ACTIVO" => Ok(Self::Activo),
            "SUSPENDIDO" => Ok(Self::Suspendido),
            "RETIRADO" => Ok(Self::Retirado),
            other => Err(format!(
                "estado must be ACTIVO, SUSPENDIDO or RETIRADO, got {:?}",
                super::dni::shorten(other)
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Activo => "ACTIVO",
            Self::Suspendido => "SUSPENDIDO",
            Self::Retirado => "RETIRADO",
        }
    }
}

impl fmt::Display for Estado {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
