//! Fact keys and incident keys: short, stable names chosen by the analyst.
//!
//! A fact key is unique in a ledger and never reused; an incident key is shared by
//! every report of one event. Both use the same safe alphabet so that they can be
//! typed on a command line and never look like an option.

use super::problem::Problem;

/// The longest key accepted, in bytes.
pub const MAX_KEY_LEN: usize = 128;

/// Checks a fact key or incident key: 1–128 characters of `A-Z a-z 0-9 . _ : / -`,
/// not starting with `-`.
pub fn check_key(key: &str) -> Result<(), Problem> {
    let allowed =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'/' | b'-');
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(Problem::at(
            "",
            format!("a key must be 1 to {MAX_KEY_LEN} characters long"),
        ));
    }
    if key.starts_with('-') || !key.bytes().all(allowed) {
        return Err(Problem::at(
            "",
            format!("`{key}` is not a valid key; use letters, digits and . _ : / - (not starting with -)"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_use_a_safe_alphabet() {
        assert!(check_key("wiki/asad-2023-10-17").is_ok());
        assert!(check_key("").is_err());
        assert!(check_key("-rm").is_err());
        assert!(check_key("has space").is_err());
        assert!(check_key(&"k".repeat(129)).is_err());
    }
}
