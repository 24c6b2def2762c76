//! Which remote names may be fetched. A name comes from a server we do not control: it is used
//! as a local file name only when it cannot climb out of the staging folder, hide, or confuse a
//! log line. File-name globs (`*` any run, `?` one character) select the files of interest.

/// Why a remote name is refused, for the warning.
pub fn hostile_reason(name: &str) -> Option<&'static str> {
    // 200: room for the staging folder's `.NAME.part` within a 255-byte file name.
    if name.is_empty() || name.len() > 200 {
        Some("empty or longer than 200 bytes")
    } else if name.contains('/') || name.contains('\\') {
        Some("contains a path separator")
    } else if name.contains("..") {
        Some("contains '..'")
    } else if name.starts_with('.') {
        Some("hidden (starts with '.')")
    } else if name.chars().any(char::is_control) {
        Some("contains a control character")
    } else {
        None
    }
}

/// Whether `name` matches the glob `pattern` (`*` any run of characters, `?` one character,
/// anything else literally).
pub fn glob_matches(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut pi, mut ni) = (0, 0);
    // Position of the last `*` seen and of the name character it is currently matched up to.
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some(c) if *c == '?' || Some(c) == n.get(ni) => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p[pi.min(p.len())..].iter().all(|c| *c == '*')
}

/// Whether `name` matches any of the patterns.
pub fn matches_any(patterns: &[String], name: &str) -> bool {
    patterns.iter().any(|p| glob_matches(p, name))
}

/// The data file a completion marker stands for (`NAME.ok` or `NAME.done` → `NAME`).
pub fn marked_name(marker: &str) -> Option<&str> {
    marker.strip_suffix(".ok").or_else(|| marker.strip_suffix(".done")).filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_are_refused_ordinary_ones_are_not() {
        for name in [
            "a/b.csv",
            "..",
            "x..csv",
            ".hidden.csv",
            "line\nbreak.csv",
            "tab\t.csv",
            "",
            "a\\b",
            "del\u{7f}",
        ] {
            assert!(hostile_reason(name).is_some(), "{name:?}");
        }
        for name in ["2012-07_02_lote.csv", "MT940 julio.sta", "camt.053.xml", "año.csv"] {
            assert_eq!(hostile_reason(name), None, "{name:?}");
        }
    }

    #[test]
    fn globs_match_like_a_shell() {
        assert!(glob_matches("*", "anything.csv"));
        assert!(glob_matches("*.csv", "a.csv"));
        assert!(!glob_matches("*.csv", "a.csv.part"));
        assert!(glob_matches("2012-??_*.csv", "2012-07_lote.csv"));
        assert!(!glob_matches("2012-??_*.csv", "2012-7_lote.csv"));
        assert!(glob_matches("a*b*c", "aXXbYYbc"));
        assert!(!glob_matches("a*b*c", "aXXbYY"));
        assert!(glob_matches("exact.xml", "exact.xml"));
        assert!(!glob_matches("exact.xml", "exact.xmlx"));
    }

    #[test]
    fn markers_name_their_data_file() {
        assert_eq!(marked_name("a.csv.ok"), Some("a.csv"));
        assert_eq!(marked_name("a.csv.done"), Some("a.csv"));
        assert_eq!(marked_name(".ok"), None);
        assert_eq!(marked_name("a.csv"), None);
    }
}
