//! `Problem`: one reason a fact is refused, with the JSON path where it was found.
//!
//! Validation in the pure layer returns the first problem it finds; the path is
//! built from the inside out (`killed` → `casualties[0].killed`) so that the user
//! is pointed at the exact field of their input file.

use std::fmt;

/// A validation failure at a JSON path inside one fact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Dotted JSON path (`casualties[0].killed.low`), empty for the fact itself.
    pub path: String,
    /// What was wrong and what was expected, as a sentence fragment.
    pub message: String,
}

impl Problem {
    /// A problem at `path`.
    pub fn at(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            path: path.into(),
            message: message.into(),
        }
    }

    /// The same problem seen from one level further out (`field` or `list[3]`).
    pub fn within(mut self, outer: &str) -> Problem {
        self.path = if self.path.is_empty() {
            outer.to_owned()
        } else if self.path.starts_with('[') {
            format!("{outer}{}", self.path)
        } else {
            format!("{outer}.{}", self.path)
        };
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "at `{}`: {}", self.path, self.message)
        }
    }
}

/// Checks every item of a list, naming the failing one as `field[i]`.
pub fn check_each<T>(
    field: &str,
    items: &[T],
    check: impl Fn(&T) -> Result<(), Problem>,
) -> Result<(), Problem> {
    for (i, item) in items.iter().enumerate() {
        check(item).map_err(|p| p.within(&format!("{field}[{i}]")))?;
    }
    Ok(())
}

/// Checks an optional field, naming it on failure.
pub fn check_opt<T>(
    field: &str,
    item: Option<&T>,
    check: impl Fn(&T) -> Result<(), Problem>,
) -> Result<(), Problem> {
    match item {
        Some(value) => check(value).map_err(|p| p.within(field)),
        None => Ok(()),
    }
}

/// Refuses an empty or whitespace-only required text field.
pub fn non_empty(field: &str, text: &str) -> Result<(), Problem> {
    if text.trim().is_empty() {
        Err(Problem::at(field, "must not be empty"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_compose_from_the_inside_out() {
        let p = Problem::at("low", "too big")
            .within("killed")
            .within("casualties[0]");
        assert_eq!(p.path, "casualties[0].killed.low");
        assert_eq!(p.to_string(), "at `casualties[0].killed.low`: too big");
        let q = check_each("xs", &[1, 2], |x| {
            if *x == 2 {
                Err(Problem::at("", "bad"))
            } else {
                Ok(())
            }
        });
        assert_eq!(q.unwrap_err().path, "xs[1]");
    }
}
