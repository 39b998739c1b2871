//! Whole-word matching for `CONTAINS_TOKEN` and `NOT_CONTAINS_TOKEN`, as a pattern each
//! backend can test a lowercased value against: a regular expression for PostgreSQL, a GLOB
//! for SQLite (which has no regular expressions).
//!
//! A value's tokens are its words: runs of letters and digits, split at everything else
//! (`jane.doe@example.com` holds `jane`, `doe`, `example` and `com`). Both patterns share one
//! definition of a word character, ASCII letters and digits or any non-ASCII character, so
//! that the backends agree whatever the database's locale. A `*` in the token matches any
//! run of characters, separators included, as HubSpot's does: `*@example.com` matches
//! `jane.doe@example.com`, `jan*` matches `Janet`. Every other character matches itself.

/// What separates tokens in both patterns: any character but a word character.
const SEPARATOR: &str = "[^0-9a-z\u{80}-\u{10FFFF}]";

/// A PostgreSQL regular expression (`~`) matching a value that holds `token`.
pub(super) fn regex(token: &str) -> String {
    let mut pattern = format!("(^|{SEPARATOR})");
    for c in token.to_lowercase().chars() {
        match c {
            '*' => pattern.push_str(".*"),
            c if c.is_ascii_alphanumeric() || !c.is_ascii() => pattern.push(c),
            // A backslash before anything but a letter or digit makes it literal.
            c => {
                pattern.push('\\');
                pattern.push(c);
            }
        }
    }
    pattern.push_str(&format!("($|{SEPARATOR})"));
    pattern
}

/// A SQLite GLOB matching a value that holds `token`, once the value has a space added at
/// either end (so that a token at the start or end is still between separators).
pub(super) fn glob(token: &str) -> String {
    let mut pattern = format!("*{SEPARATOR}");
    for c in token.to_lowercase().chars() {
        match c {
            '*' => pattern.push('*'),
            // GLOB has no escape character: a one-character class matches the character.
            '?' | '[' => {
                pattern.push('[');
                pattern.push(c);
                pattern.push(']');
            }
            c => pattern.push(c),
        }
    }
    pattern.push_str(&format!("{SEPARATOR}*"));
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_escape_what_is_special_and_keep_the_wildcard() {
        assert_eq!(
            regex("*@Ex.com"),
            format!("(^|{SEPARATOR}).*\\@ex\\.com($|{SEPARATOR})")
        );
        assert_eq!(glob("a?[*"), format!("*{SEPARATOR}a[?][[]*{SEPARATOR}*"));
    }
}
