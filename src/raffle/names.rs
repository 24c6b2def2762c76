//! The name published in raffle lists (SPEC §4): `nombres`, then the initial of each surname
//! followed by a dot (`María Q. H.`); full names stay in the database.
//!
//! Contract: pure and total. The initial is the first letter of the surname *as written*
//! (not upper-cased: the roster's spelling is kept, so "De la Cruz" gives `D.` and
//! "de la Cruz" `d.`), read after NFC normalisation so that an accented capital keeps its
//! accent whichever way it was encoded (`Á`, `Ñ`). Characters before the first letter
//! (an apostrophe, a hyphen, blanks) are skipped. A surname with no letter at all (empty, or
//! only punctuation) adds nothing, rather than a lone dot. Runs of blanks in `nombres` are
//! collapsed to one space and the ends trimmed, so stray spacing in the roster never shows.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// `nombres`, a space, the initial of `apellido_paterno` and a dot, a space, the initial of
/// `apellido_materno` and a dot; parts that are empty are left out with their space.
pub fn published_name(nombres: &str, apellido_paterno: &str, apellido_materno: &str) -> String {
    let mut parts: Vec<String> = nombres.split_whitespace().map(str::to_owned).collect();
    parts.extend([apellido_paterno, apellido_materno].into_iter().filter_map(initial));
    parts.join(" ")
}

/// The first letter of a surname with its dot (`"Ñ."`), or `None` when it has no letter.
fn initial(surname: &str) -> Option<String> {
    let mut chars = surname.nfc().skip_while(|c| !c.is_alphabetic());
    let first = chars.next()?;
    // A mark NFC could not compose (rare letters) still belongs to its letter.
    let mut letter: String =
        std::iter::once(first).chain(chars.take_while(|&c| is_combining_mark(c))).collect();
    letter.push('.');
    Some(letter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_examples() {
        assert_eq!(published_name("María", "Quispe", "Huamán"), "María Q. H.");
        assert_eq!(published_name("Rosa", "De la Cruz", "Mamani"), "Rosa D. M.");
    }

    #[test]
    fn accented_initials_keep_their_accent_whatever_the_encoding() {
        assert_eq!(published_name("Ana Lucía", "Ñahui", "Álvarez"), "Ana Lucía Ñ. Á.");
        // Decomposed: N + combining tilde, A + combining acute.
        assert_eq!(published_name("Ana", "N\u{303}ahui", "A\u{301}lvarez"), "Ana Ñ. Á.");
        assert_eq!(published_name("Ana", "Úrsula", "Ébano"), "Ana Ú. É.");
    }

    #[test]
    fn initials_are_as_written() {
        assert_eq!(published_name("Rosa", "de la Cruz", "mamani"), "Rosa d. m.");
    }

    #[test]
    fn leading_punctuation_and_blanks_are_skipped() {
        assert_eq!(published_name("Rosa", "  'Olano", "-Torres"), "Rosa O. T.");
    }

    #[test]
    fn missing_parts_leave_no_stray_dots_or_spaces() {
        assert_eq!(published_name("Juana", "Quispe", ""), "Juana Q.");
        assert_eq!(published_name("Juana", "", "Quispe"), "Juana Q.");
        assert_eq!(published_name("Juana", " - ", "  "), "Juana");
        assert_eq!(published_name("", "Quispe", "Huamán"), "Q. H.");
        assert_eq!(published_name("", "", ""), "");
    }

    #[test]
    fn spacing_in_nombres_is_tidied() {
        assert_eq!(published_name("  María   del  Carmen ", "Quispe", "Huamán"), "María del Carmen Q. H.");
    }
}
