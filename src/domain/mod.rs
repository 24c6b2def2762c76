//! Domain values that are valid by construction ("parse, don't validate").
//!
//! Every later stage of the pipeline takes these types, never raw text: a [`Dni`] is always
//! eight digits, a [`Cci`] always passes its check digits, a [`Period`] is always a real month,
//! and money is always an exact [`rust_decimal::Decimal`] read by [`money`].

pub mod cci;
pub mod dni;
pub mod money;
pub mod period;
pub mod roster;
pub mod ubigeo;

pub use cci::Cci;
pub use dni::Dni;
pub use period::{Period, RafflePeriod};
pub use roster::{Estado, Grupo};
pub use ubigeo::Ubigeo;
