//! Figures as reports word them: "three", "at least 5", "more than 170",
//! "about 65", "3-5", "dozens", "no". Each phrase is read with
//! [`Quantity::parse`], exactly as a report file would be, so the stored raw words
//! and bounds are what a hand-written report would give.

use super::rng::Rng;
use crate::fact::{Qualifier, Quantity};

const WORDS: [&str; 13] = [
    "no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve",
];

/// The quantity a phrase stands for. The corpus only writes phrases the parser
/// reads (a unit test checks every form); should one slip through, it is kept as
/// an unknown figure with its words rather than as an invented number.
pub fn phrase(text: &str) -> Quantity {
    Quantity::parse(text).unwrap_or_else(|| Quantity {
        low: None,
        best: None,
        high: None,
        qualifier: Qualifier::Unknown,
        raw: Some(text.into()),
    })
}

/// `n` as a word when it has a short one, else in digits.
pub fn number(n: u64) -> String {
    WORDS
        .get(n as usize)
        .filter(|_| n > 0)
        .map_or_else(|| n.to_string(), |w| (*w).to_owned())
}

/// A small count of people or munitions (the true value `n`), worded the way one
/// report might: exact, a bound, a range, or a vague word.
pub fn small(rng: &mut Rng, n: u64) -> String {
    if n == 0 {
        return (*rng.pick(&["no", "none", "no", "0"])).to_owned();
    }
    match rng.below(100) {
        0..=29 => n.to_string(),
        30..=49 => number(n),
        50..=64 => format!("at least {}", number(n.saturating_sub(rng.below(2)).max(1))),
        65..=71 if n >= 2 => format!("more than {}", n - 1),
        72..=79 => format!("about {n}"),
        80..=87 if n >= 2 => format!("{}-{}", n - 1, n + rng.between(1, 2)),
        88..=92 if n >= 3 => "several".to_owned(),
        93..=95 if n >= 24 => "dozens".to_owned(),
        96..=97 => format!("up to {}", n + rng.below(3)),
        _ => number(n),
    }
}

/// A large running total (attacks, strikes, casualties since the start), worded
/// the way officials and reporters round it.
pub fn total(rng: &mut Rng, n: u64) -> String {
    let round = |n: u64| if n >= 20 { n / 10 * 10 } else { n };
    match rng.below(100) {
        0..=24 => format!("more than {}", round(n)),
        25..=44 => format!("at least {n}"),
        45..=59 => format!("about {}", round(n)),
        60..=74 => n.to_string(),
        75..=84 => format!("a total of {n}"),
        85..=91 => format!("over {}", round(n)),
        92..=95 if n >= 200 => "hundreds".to_owned(),
        96..=99 if (24..100).contains(&n) => "dozens".to_owned(),
        _ => number(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_worded_figure_parses_and_checks() {
        let mut rng = Rng::new(3);
        for n in 0..400 {
            for _ in 0..20 {
                for text in [small(&mut rng, n % 40), total(&mut rng, n)] {
                    let q = Quantity::parse(&text);
                    assert!(q.is_some(), "`{text}` does not parse");
                    assert!(phrase(&text).check().is_ok(), "`{text}`");
                }
            }
        }
        assert_eq!(phrase("no").best, Some(0));
        assert_eq!(phrase("at least 3").low, Some(3));
    }
}
