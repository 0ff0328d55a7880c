//! Turning rows into text: numbers with thousands separators and sensible
//! precision, goals in words, and Markdown tables padded to line up (so a run can
//! be pasted into docs/performance.md as it is). Pure: returns strings, prints
//! nothing.

use crate::row::{Goal, Row, Unit};

/// The columns of the per-size table.
const HEADINGS: [&str; 8] = [
    "figure", "N", "sitrep", "baseline", "ratio", "goal", "met?", "per fact",
];

/// An integer with `,` between thousands: 1234567 → "1,234,567".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A small positive number with about three significant digits: 123 → "123",
/// 12.34 → "12.3", 1.234 → "1.23", 0.01234 → "0.0123".
pub fn sig3(v: f64) -> String {
    let a = v.abs();
    if !v.is_finite() {
        format!("{v}")
    } else if a >= 1000.0 {
        thousands(v.round().max(0.0) as u64)
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 || a == 0.0 {
        format!("{v:.2}")
    } else if a >= 0.1 {
        format!("{v:.3}")
    } else {
        format!("{v:.4}")
    }
}

/// A value with its unit.
pub fn value(unit: Unit, v: f64) -> String {
    match unit {
        Unit::FactsPerSec => format!("{} facts/s", thousands(v.round().max(0.0) as u64)),
        Unit::Ms => format!("{} ms", sig3(v)),
        Unit::Us => format!("{} µs", sig3(v)),
        Unit::MiB => format!("{v:.1} MiB"),
        Unit::TimesCanonical => format!("{v:.2}× canonical"),
    }
}

fn measured(unit: Unit, v: &Result<f64, String>) -> String {
    match v {
        Ok(v) => value(unit, *v),
        Err(why) => format!("not measured: {why}"),
    }
}

/// The goal in words.
pub fn goal(row: &Row) -> String {
    let plain = |g: f64| {
        if g.fract() == 0.0 {
            thousands(g as u64)
        } else {
            format!("{g}")
        }
    };
    // "1.5× canonical", not "1.5 × canonical".
    let space = if row.unit == Unit::TimesCanonical {
        ""
    } else {
        " "
    };
    match row.goal {
        Goal::None => "—".to_owned(),
        Goal::AtLeast(g) => format!("≥ {}{space}{}", plain(g), row.unit.name()),
        Goal::AtMost(g) => format!("≤ {}{space}{}", plain(g), row.unit.name()),
        Goal::RatioAtLeast(g) => format!("≥ {}× baseline", plain(g)),
        Goal::RatioAtMost(g) => format!("≤ {}× baseline", plain(g)),
    }
}

/// yes, no, — (no goal) or "not measured".
pub fn met(row: &Row) -> &'static str {
    match (row.met(), row.goal) {
        (Some(true), _) => "yes",
        (Some(false), _) => "no",
        (None, Goal::None) => "—",
        (None, _) => "not measured",
    }
}

/// The cells of one row, in [`HEADINGS`] order.
pub fn cells(row: &Row) -> Vec<String> {
    vec![
        row.figure.clone(),
        thousands(row.n),
        measured(row.unit, &row.sitrep),
        format!(
            "{}: {}",
            row.baseline_name,
            measured(row.unit, &row.baseline)
        ),
        row.ratio()
            .map_or_else(|| "—".to_owned(), |r| format!("{}×", sig3(r))),
        goal(row),
        met(row).to_owned(),
        row.per_fact.clone().unwrap_or_else(|| "—".to_owned()),
    ]
}

/// A Markdown table with every column padded to its widest cell.
pub fn markdown(headings: &[&str], rows: &[Vec<String>]) -> String {
    let width = |s: &str| s.chars().count();
    let mut widths: Vec<usize> = headings.iter().map(|h| width(h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(width(cell));
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - width(c))))
            .collect();
        format!("| {} |\n", padded.join(" | "))
    };
    let mut out = line(headings.to_vec());
    let rules: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out.push_str(&line(rules.iter().map(String::as_str).collect()));
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// The table of one size.
pub fn size_table(rows: &[Row]) -> String {
    let cells: Vec<Vec<String>> = rows.iter().map(cells).collect();
    markdown(&HEADINGS, &cells)
}

/// One line per figure, one column per size: the per-fact cost where the row has
/// one, else sitrep's figure (latencies, memory), so flatness can be read across.
pub fn scaling_summary(runs: &[(u64, Vec<Row>)]) -> String {
    let mut headings = vec!["figure (per fact, else the figure)".to_owned()];
    headings.extend(runs.iter().map(|(n, _)| format!("N = {}", thousands(*n))));
    let Some((_, first)) = runs.first() else {
        return String::new();
    };
    let body: Vec<Vec<String>> = first
        .iter()
        .map(|template| {
            let mut line = vec![template.figure.clone()];
            for (_, rows) in runs {
                // By label ("4a"): the rest may name a sample count that differs.
                let label = |r: &Row| r.figure.split_whitespace().next().map(str::to_owned);
                let cell = rows
                    .iter()
                    .find(|r| label(r) == label(template))
                    .map_or_else(
                        || "—".to_owned(),
                        |r| match (&r.per_fact, &r.sitrep) {
                            (Some(p), _) => p.clone(),
                            (None, Ok(v)) => value(r.unit, *v),
                            (None, Err(_)) => "not measured".to_owned(),
                        },
                    );
                line.push(cell);
            }
            line
        })
        .collect();
    let headings: Vec<&str> = headings.iter().map(String::as_str).collect();
    markdown(&headings, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(sig3(123.4), "123");
        assert_eq!(sig3(12.34), "12.3");
        assert_eq!(sig3(1.234), "1.23");
        assert_eq!(sig3(0.1234), "0.123");
        assert_eq!(sig3(0.01234), "0.0123");
        assert_eq!(sig3(12_345.6), "12,346");
        assert_eq!(value(Unit::FactsPerSec, 312_345.4), "312,345 facts/s");
        assert_eq!(value(Unit::Us, 7.25), "7.25 µs");
        assert_eq!(value(Unit::TimesCanonical, 1.234), "1.23× canonical");
    }

    #[test]
    fn goals_and_verdicts_are_in_words() {
        let row = Row::new(
            "import",
            20_000,
            Unit::FactsPerSec,
            Ok(400_000.0),
            "raw sled",
            Ok(100_000.0),
            Goal::AtLeast(300_000.0),
        );
        assert_eq!(goal(&row), "≥ 300,000 facts/s");
        assert_eq!(met(&row), "yes");
        let cells = cells(&row);
        assert_eq!(cells[3], "raw sled: 100,000 facts/s");
        assert_eq!(cells[4], "4.00×");
        let ratio = Row {
            goal: Goal::RatioAtMost(1.5),
            sitrep: Err("binary missing".into()),
            ..row
        };
        assert_eq!(goal(&ratio), "≤ 1.5× baseline");
        assert_eq!(met(&ratio), "not measured");
        assert_eq!(cells_of(&ratio)[2], "not measured: binary missing");
    }

    fn cells_of(row: &Row) -> Vec<String> {
        cells(row)
    }

    #[test]
    fn markdown_columns_line_up_with_wide_characters() {
        let text = markdown(
            &["a", "bb"],
            &[
                vec!["≥ 1µs".into(), "x".into()],
                vec!["y".into(), "long".into()],
            ],
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        let widths: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
        assert!(widths.iter().all(|&w| w == widths[0]), "{text}");
        assert_eq!(lines[1], "| ----- | ---- |");
    }

    #[test]
    fn the_summary_has_one_column_per_size() {
        let row = |n, figure: &str, per: &str| {
            Row::new(figure, n, Unit::Ms, Ok(1.0), "b", Ok(1.0), Goal::None)
                .with_per_fact(Some(per.to_owned()))
        };
        let text = scaling_summary(&[
            (10, vec![row(10, "5 update, p50 of 20", "1 ns")]),
            (20, vec![row(20, "5 update, p50 of 3", "2 ns")]),
        ]);
        assert!(text.contains("N = 10 "), "{text}");
        assert!(text.contains("| 1 ns   | 2 ns   |"), "{text}");
    }
}
