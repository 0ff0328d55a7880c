//! `counts`: every aggregate figure someone stated (the live `Count` facts), in
//! log order, set beside the ledger's own tally for the same metric, period and
//! scope, so that "a total of 78" can be read against what the ledger holds.
//!
//! What the ledger counts per metric: `attacks` = combined incidents of direction
//! `on_us_forces`; `strikes` = incidents of direction `us_strike`; `deaths` and
//! `injuries` = killed and wounded among US military, US contractors and the
//! coalition, as stated in attacks on US forces; `militants_killed` = militants
//! killed, as stated in US strikes. Only the scope's countries are matched (an
//! empty list means any country); the forces a scope names are shown, not
//! matched. `--exclude-intercepted` applies; the other counting-rule flags do not,
//! because each count sets its own direction, countries and dates.
//!
//! The tally is a range. The low end counts incidents certainly inside the
//! period — for a vague start or end, the narrow window from the latest possible
//! start to the earliest possible end — and the high end adds those whose dates
//! overlap the wide window (earliest start to latest end), those with no date,
//! and those in no stated country when the scope names countries. A period with
//! no end runs to the statement, taken as the source's publication: its stated
//! date, or else (open) from the latest event the source reports to the day the
//! ledger recorded it. Deaths and injuries add up the figures the reports state;
//! an incident with no figure adds nothing and is listed as `no_figure`.

use serde::Serialize;
use serde_json::json;

use super::count_tally::{summarise, Basis, Query, Summary};
use super::incidents::{names_any, Combined};
use super::rule::{DirectionRule, Fit, Rule};
use super::{denials_json, disputes, list, name_of, unused_flags, Cells, DenialDetail, Params};
use crate::fact::{
    ActorRef, BreakdownRow, CasualtyGroup, Count, DateSpec, Direction, Metric, Qualifier, Scope,
};
use crate::projection::combine::{wording, Range, Span};
use crate::projection::detail::Detail;
use crate::projection::resolve::{Live, Publication, Resolved};
use crate::projection::table::Table;
use crate::text::Text;
use crate::time::Date;

const US_SIDE: &[CasualtyGroup] = &[
    CasualtyGroup::UsMilitary,
    CasualtyGroup::UsContractor,
    CasualtyGroup::Coalition,
];

fn basis(metric: Metric) -> Basis {
    match metric {
        Metric::Attacks => Basis {
            direction: Direction::OnUsForces,
            people: None,
            words: "attacks on US and coalition forces (incidents, direction on_us_forces)",
        },
        Metric::Strikes => Basis {
            direction: Direction::UsStrike,
            people: None,
            words: "US and coalition strikes (incidents, direction us_strike)",
        },
        Metric::Deaths => Basis {
            direction: Direction::OnUsForces,
            people: Some((US_SIDE, true)),
            words: "killed (us_military, us_contractor, coalition) in attacks on US forces",
        },
        Metric::Injuries => Basis {
            direction: Direction::OnUsForces,
            people: Some((US_SIDE, false)),
            words: "wounded (us_military, us_contractor, coalition) in attacks on US forces",
        },
        Metric::MilitantsKilled => Basis {
            direction: Direction::UsStrike,
            people: Some((&[CasualtyGroup::Militants], true)),
            words: "militants killed in US strikes",
        },
    }
}

/// Where a count's period ends.
enum End<'a> {
    /// The count states it.
    Stated(&'a DateSpec),
    /// At the statement, taken as the source's publication.
    Publication(Publication),
    /// Nothing is known (the source is not in the ledger).
    Unknown,
}

/// The days a count's period covers, as far as the ledger can tell.
struct Window {
    /// Days certainly inside; `None` when no day is.
    narrow: Option<Span>,
    /// Days possibly inside (`Date::MIN`/`Date::MAX` for an open side).
    wide: Span,
}

fn window(count: &Count, end: &End<'_>) -> Window {
    let (from_start, from_end) = count
        .period
        .from
        .as_ref()
        .map_or((Date::MIN, Date::MIN), |d| (d.start, d.end));
    let (to_start, to_end) = match end {
        End::Stated(d) => (Some(d.start), d.end),
        End::Publication(p) => (p.not_before, p.not_after),
        End::Unknown => (None, Date::MAX),
    };
    Window {
        narrow: to_start.filter(|&t| from_end <= t).map(|t| Span {
            start: from_end,
            end: t,
        }),
        wide: Span {
            start: from_start,
            end: to_end,
        },
    }
}

/// The period in words: "2023-10-07 to statement (≥2023-11-27, undated)", or
/// one day.
fn period_cell(count: &Count, end: &End<'_>) -> String {
    let from = count
        .period
        .from
        .as_ref()
        .map_or_else(|| "the start".to_owned(), |d| d.to_string());
    let to = match end {
        End::Stated(d) if count.period.from.as_ref() == Some(*d) => return from,
        End::Stated(d) => d.to_string(),
        End::Publication(p) if p.stated => {
            format!("statement (published {})", publication_span(p))
        }
        End::Publication(p) => match p.not_before {
            Some(day) => format!("statement (≥{day}, undated)"),
            None => "statement (undated)".to_owned(),
        },
        End::Unknown => "statement (undated)".to_owned(),
    };
    format!("{from} to {to}")
}

fn publication_span(p: &Publication) -> String {
    match p.not_before {
        Some(start) => Span {
            start,
            end: p.not_after,
        }
        .to_string(),
        None => format!("by {}", p.not_after),
    }
}

/// A side of a window as JSON: `null` when open.
fn bound(day: Date) -> Option<Date> {
    (day != Date::MIN && day != Date::MAX).then_some(day)
}

/// A window in a row's detail: its first and last day, `null` where open.
#[derive(Serialize)]
struct SpanDetail {
    start: Option<Date>,
    end: Option<Date>,
}

fn span_detail(span: Option<Span>) -> Option<SpanDetail> {
    span.map(|s| SpanDetail {
        start: bound(s.start),
        end: bound(s.end),
    })
}

/// The ledger's tally for one count.
struct Tally {
    /// The figures.
    summary: Summary,
    /// The incidents by key, with `--list-incidents`.
    listed: Option<Listed>,
}

/// The incidents a tally counts, by key.
#[derive(Serialize)]
struct Listed {
    /// Counted in the low end, with a figure when counting people.
    certain: Vec<String>,
    /// Counted only in the high end.
    possible: Vec<String>,
    /// Qualifying incidents that state no figure (people only).
    no_figure: Vec<String>,
}

/// Whether `incident` falls in the count: `In` certainly, `Maybe` possibly.
fn fit(
    incident: &Combined,
    basis: &Basis,
    count: &Count,
    window: &Window,
    exclude_intercepted: bool,
) -> Fit {
    let direction = DirectionRule::Only(basis.direction);
    let rule = |span: Span| Rule {
        direction: Some(direction),
        exclude_intercepted,
        countries: Vec::new(),
        from: Some(span.start),
        to: Some(span.end),
    };
    let certain = window
        .narrow
        .is_some_and(|n| rule(n).fit(incident, direction) == Fit::In);
    let fit = if certain {
        Fit::In
    } else if rule(window.wide).fit(incident, direction) == Fit::Out {
        Fit::Out
    } else {
        Fit::Maybe
    };
    let scope = &count.scope.countries;
    if scope.is_empty() || names_any(&incident.countries, scope) {
        fit
    } else if incident.countries.is_empty() && fit != Fit::Out {
        Fit::Maybe
    } else {
        Fit::Out
    }
}

/// One count's tally, incident by incident, with the incidents listed: the
/// rule itself, which [`summarise`] answers for all counts at once.
fn tally(
    incidents: &[Combined],
    basis: &Basis,
    count: &Count,
    window: &Window,
    exclude_intercepted: bool,
) -> Tally {
    let mut listed = Listed {
        certain: Vec::new(),
        possible: Vec::new(),
        no_figure: Vec::new(),
    };
    let (mut low, mut high) = (Range::ZERO, Range::ZERO);
    for incident in incidents {
        let certain = match fit(incident, basis, count, window, exclude_intercepted) {
            Fit::Out => continue,
            Fit::In => true,
            Fit::Maybe => false,
        };
        let Some(figure) = basis.figure(incident) else {
            listed.no_figure.push(incident.key.to_owned());
            continue;
        };
        if certain {
            low = low.plus(figure);
            listed.certain.push(incident.key.to_owned());
        } else {
            listed.possible.push(incident.key.to_owned());
        }
        high = high.plus(figure);
    }
    let count_of = |keys: &[String]| keys.len() as u64;
    Tally {
        summary: Summary {
            range: Range {
                low: low.low,
                high: high.high,
            },
            certain: count_of(&listed.certain),
            possible: count_of(&listed.possible),
            no_figure: count_of(&listed.no_figure),
        },
        listed: Some(listed),
    }
}

fn incidents_cell(tally: &Tally, people: bool) -> String {
    let s = &tally.summary;
    let mut cell = format!("{} certain, {} possible", s.certain, s.possible);
    if people && s.no_figure > 0 {
        cell.push_str(&format!("; {} state no figure", s.no_figure));
    }
    cell
}

fn scope_cell(count: &Count) -> String {
    let countries = if count.scope.countries.is_empty() {
        "any country".to_owned()
    } else {
        list(&count.scope.countries)
    };
    match &count.scope.forces {
        Some(forces) => format!("{countries}; {forces}"),
        None => countries,
    }
}

/// The `counts` view.
pub fn table(resolved: &Resolved<'_>, params: &Params) -> Table {
    let mut table = Table::with_rows(
        "counts",
        vec![
            "count",
            "speaker",
            "metric",
            "stated",
            "period",
            "scope",
            "ledger tally",
            "incidents",
            "status",
        ],
        params.rows,
    );
    let exclude_intercepted = params.rule.exclude_intercepted;
    table.rule = describe(exclude_intercepted);
    table.rule.extend(unused_flags(
        &params.rule,
        "counts",
        &["--exclude-intercepted"],
    ));
    table.extra.insert(
        "counting_rule".into(),
        json!({"exclude_intercepted": exclude_intercepted}),
    );
    if params.list_incidents {
        table
            .rule
            .push("each tally lists its incidents by key (--list-incidents)".to_owned());
    }
    let incidents = resolved.combined();
    let counts: Vec<(&Live<'_>, &Count, End<'_>, Window)> = resolved
        .counts()
        .into_iter()
        .map(|(live, count)| {
            let end = match &count.period.to {
                Some(to) => End::Stated(to),
                None => resolved
                    .publication(&count.source)
                    .map_or(End::Unknown, End::Publication),
            };
            let window = window(count, &end);
            (live, count, end, window)
        })
        .collect();
    let queries: Vec<Query<'_>> = counts
        .iter()
        .map(|(_, count, _, window)| Query {
            basis: basis(count.metric),
            narrow: window.narrow,
            wide: window.wide,
            scope: &count.scope.countries,
        })
        .collect();
    let summaries = summarise(incidents, &queries, exclude_intercepted);
    for ((live, count, end, window), summary) in counts.iter().zip(summaries) {
        let tally = match summary {
            Some(summary) if !params.list_incidents => Tally {
                summary,
                listed: None,
            },
            _ => tally(
                incidents,
                &basis(count.metric),
                count,
                window,
                exclude_intercepted,
            ),
        };
        let (key, cells, detail) = row(resolved, live, count, end, window, &tally, params.cells);
        table.push(key, cells, detail);
    }
    table
}

fn describe(exclude_intercepted: bool) -> Vec<String> {
    let mut lines = vec![
        "each stated figure beside the ledger's tally for the same metric, period and countries of scope (no countries = any; the forces a scope names are shown, not matched)".to_owned(),
        format!(
            "the ledger counts: attacks = {}; strikes = {}; deaths = {}; injuries = {}; militants_killed = {}",
            basis(Metric::Attacks).words,
            basis(Metric::Strikes).words,
            basis(Metric::Deaths).words,
            basis(Metric::Injuries).words,
            basis(Metric::MilitantsKilled).words,
        ),
        "tally as a range: the low end counts incidents certainly inside the period (a vague start or end gives the narrow window, latest start to earliest end); the high end adds those whose dates only overlap the wide window, undated ones, and ones with no stated country when the scope names countries".to_owned(),
        "a period with no end runs to the statement, taken as the source's publication: its stated date, or else open — from the latest event the source reports to the day the ledger recorded it".to_owned(),
        "deaths and injuries add up the figures the reports state; an incident stating none adds nothing (JSON: ledger_tally.no_figure)".to_owned(),
    ];
    lines.push(if exclude_intercepted {
        "intercepted attacks excluded (--exclude-intercepted): an incident every report of which says it was intercepted is not counted".to_owned()
    } else {
        "intercepted attacks included (add --exclude-intercepted to leave them out)".to_owned()
    });
    lines
}

fn row(
    resolved: &Resolved<'_>,
    live: &Live<'_>,
    count: &Count,
    end: &End<'_>,
    window: &Window,
    tally: &Tally,
    cells: Cells,
) -> (String, Vec<String>, Detail) {
    let basis = basis(count.metric);
    let stated = Range::of(&count.value);
    let status = disputes(resolved, live);
    let period = period_cell(count, end);
    let cells = cells.build(|| {
        vec![
            live.key.to_owned(),
            count.speaker.name.to_string(),
            name_of(&count.metric),
            format!("{} ({stated})", wording(&count.value)),
            period.clone(),
            scope_cell(count),
            tally.summary.range.to_string(),
            incidents_cell(tally, basis.people.is_some()),
            if status.is_empty() {
                "—".to_owned()
            } else {
                status.join("; ")
            },
        ]
    });
    let (to_is, publication) = match end {
        End::Stated(_) => ("stated", None),
        End::Publication(p) => (if p.stated { "publication" } else { "open" }, Some(p)),
        End::Unknown => ("open", None),
    };
    let detail = Detail::of(&CountDetail {
        key: live.key,
        seq: live.seq.get(),
        source: &count.source,
        speaker: &count.speaker,
        metric: &count.metric,
        stated: StatedDetail {
            low: count.value.low,
            best: count.value.best,
            high: count.value.high,
            qualifier: &count.value.qualifier,
            raw: &count.value.raw,
            range: stated,
        },
        definition: &count.definition,
        quote: &count.quote,
        breakdown: &count.breakdown,
        period: PeriodDetail {
            from: &count.period.from,
            to: &count.period.to,
            to_is,
            publication: publication.map(|p| PublicationDetail {
                not_before: p.not_before,
                not_after: p.not_after,
                stated: p.stated,
            }),
            certain_window: span_detail(window.narrow),
            possible_window: span_detail(Some(window.wide)),
            text: &period,
        },
        scope: &count.scope,
        ledger_tally: ledger_tally(&basis, tally),
        status: &status,
        corrections: &live.corrections,
        denials: denials_json(resolved, live.key),
    });
    (live.key.to_owned(), cells, detail)
}

/// A count's row in full.
#[derive(Serialize)]
struct CountDetail<'a> {
    key: &'a str,
    seq: u64,
    source: &'a str,
    speaker: &'a ActorRef,
    metric: &'a Metric,
    stated: StatedDetail<'a>,
    definition: &'a Option<Text>,
    quote: &'a Option<Text>,
    breakdown: &'a [BreakdownRow],
    period: PeriodDetail<'a>,
    scope: &'a Scope,
    ledger_tally: TallyDetail<'a>,
    status: &'a [String],
    corrections: &'a [&'a str],
    denials: Vec<DenialDetail<'a>>,
}

/// The stated figure, and the range it reads as.
#[derive(Serialize)]
struct StatedDetail<'a> {
    low: Option<u64>,
    best: Option<u64>,
    high: Option<u64>,
    qualifier: &'a Qualifier,
    raw: &'a Option<Text>,
    range: Range,
}

/// The period a count speaks for, and the days it covers.
#[derive(Serialize)]
struct PeriodDetail<'a> {
    from: &'a Option<DateSpec>,
    to: &'a Option<DateSpec>,
    to_is: &'a str,
    publication: Option<PublicationDetail>,
    certain_window: Option<SpanDetail>,
    possible_window: Option<SpanDetail>,
    text: &'a str,
}

/// When the statement was published, as far as the ledger can tell.
#[derive(Serialize)]
struct PublicationDetail {
    not_before: Option<Date>,
    not_after: Date,
    stated: bool,
}

/// The ledger's tally: the range, how many incidents, and with
/// `--list-incidents` which (the lists follow the numbers).
#[derive(Serialize)]
struct TallyDetail<'a> {
    low: u64,
    high: Option<u64>,
    counts: &'a str,
    direction: &'a Direction,
    incidents: IncidentCounts,
    #[serde(flatten)]
    listed: Option<&'a Listed>,
}

/// How many incidents a tally counts.
#[derive(Serialize)]
struct IncidentCounts {
    certain: u64,
    possible: u64,
    no_figure: u64,
}

/// The tally as JSON: the range, how many incidents, and with
/// `--list-incidents` which.
fn ledger_tally<'a>(basis: &'a Basis, tally: &'a Tally) -> TallyDetail<'a> {
    let s = &tally.summary;
    TallyDetail {
        low: s.range.low,
        high: s.range.high,
        counts: basis.words,
        direction: &basis.direction,
        incidents: IncidentCounts {
            certain: s.certain,
            possible: s.possible,
            no_figure: s.no_figure,
        },
        listed: tally.listed.as_ref(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::projection::views::testing::{cell, keys, picture, row, seeds};
    use crate::projection::views::Rule;
    use serde_json::Value;

    /// A dated source and seven reports in January 2024; see each test.
    const JANUARY: &str = r#"
{"key":"src","kind":"source","publisher":"Wire","type":"wire","party":false,"published":"2024-01-25"}
{"key":"r/a","kind":"incident","source":"src","incident":"a","direction":"on_us_forces","occurred":"2024-01-05","target":{"name":"base A","country":"IQ"},"casualties":[{"group":"us_military","killed":2,"wounded":"at least 3"}]}
{"key":"r/b","kind":"incident","source":"src","incident":"b","direction":"on_us_forces","occurred":"2024-01-10","target":{"name":"base B","country":"SY"},"outcome":"intercepted"}
{"key":"r/c","kind":"incident","source":"src","incident":"c","direction":"on_us_forces","occurred":"2024-01","target":{"name":"base C","country":"IQ"},"casualties":[{"group":"coalition","killed":1},{"group":"militants","killed":4}]}
{"key":"r/d","kind":"incident","source":"src","incident":"d","direction":"on_us_forces","occurred":"2024-01-07","target":{"name":"somewhere"}}
{"key":"r/e","kind":"incident","source":"src","incident":"e","direction":"on_us_forces","occurred":"2024-01-08","target":{"name":"base E","country":"JO"}}
{"key":"r/f","kind":"incident","source":"src","incident":"f","direction":"us_strike","occurred":"2024-01-09","target":{"name":"depot","country":"IQ"},"casualties":[{"group":"militants","killed":"about 5"}]}
{"key":"r/g","kind":"incident","source":"src","incident":"g","direction":"on_us_forces","occurred":"2024-01-20","target":{"name":"base G","country":"IQ"}}
{"key":"c/window","kind":"count","source":"src","speaker":{"name":"DoD"},"metric":"attacks","value":"at least 4","period":{"from":"2024-01-01","to":"2024-01-15"},"scope":{"countries":["IQ","SY"]}}
{"key":"c/published","kind":"count","source":"src","speaker":{"name":"DoD"},"metric":"attacks","value":"7","period":{"from":"2024-01-01"},"scope":{"countries":["IQ","SY"],"forces":"US forces"}}
{"key":"c/killed","kind":"count","source":"src","speaker":{"name":"DoD"},"metric":"deaths","value":"3","period":{"from":"2024-01-01","to":"2024-01-31"}}
{"key":"c/wounded","kind":"count","source":"src","speaker":{"name":"DoD"},"metric":"injuries","value":"dozens","period":{"to":"2024-01-31"}}
{"key":"c/militants","kind":"count","source":"src","speaker":{"name":"DoD"},"metric":"militants_killed","value":"about 10","period":{"from":"2024-01-01","to":"2024-01-31"}}
{"key":"c/day","kind":"count","source":"src","speaker":{"name":"DoD"},"metric":"deaths","value":"two","period":{"from":"2024-01-05","to":"2024-01-05"}}
"#;

    /// The view with `--list-incidents`, after checking that it agrees with
    /// the view without: the same table but for the lists.
    fn counts(picture: &crate::projection::picture::Picture, rule: Rule) -> Table {
        let listed = Params {
            rule,
            list_incidents: true,
            ..Params::default()
        };
        let resolved = Resolved::new(picture);
        let with_lists = table(&resolved, &listed);
        let without = Params {
            list_incidents: false,
            ..listed
        };
        assert_same_but_lists(&with_lists, &table(&resolved, &without));
        with_lists
    }

    /// Every row alike, cells and detail, once the lists are taken out.
    fn assert_same_but_lists(listed: &Table, unlisted: &Table) {
        assert_eq!(listed.rows.len(), unlisted.rows.len());
        for (a, b) in listed.rows.iter().zip(&unlisted.rows) {
            assert_eq!(a.key, b.key);
            assert_eq!(a.cells, b.cells, "{}", a.key);
            let mut detail = a.detail.value();
            let tally = detail["ledger_tally"].as_object_mut().unwrap();
            for list in ["certain", "possible", "no_figure"] {
                let keys = tally.remove(list).unwrap();
                let n = keys.as_array().unwrap().len() as u64;
                assert_eq!(tally["incidents"][list], json!(n), "{} {list}", a.key);
            }
            assert_eq!(detail, b.detail.value(), "{}", a.key);
        }
    }

    /// Synthetic corpora: thousands of counts of every metric, scope and
    /// period shape against thousands of incidents, both rules.
    #[test]
    fn the_fast_tally_equals_the_per_incident_rule_on_synthetic_corpora() {
        for (seed, n) in [(1, 3_000), (7, 6_000)] {
            let mut journal = crate::journal::Journal::in_memory("test").unwrap();
            let options = crate::journal::AppendOptions {
                recorded_by: "test".into(),
                durable: false,
                dry_run: false,
            };
            crate::synth::append_corpus(&mut journal, seed, n, 1_000, &options).unwrap();
            let picture = crate::projection::engine::rebuild(&journal).unwrap();
            for exclude_intercepted in [false, true] {
                let t = counts(
                    &picture,
                    Rule {
                        exclude_intercepted,
                        ..Rule::default()
                    },
                );
                assert!(t.rows.len() > 100, "{} counts", t.rows.len());
                let certain: u64 = t
                    .rows
                    .iter()
                    .map(|r| {
                        r.detail.value()["ledger_tally"]["incidents"]["certain"]
                            .as_u64()
                            .unwrap()
                    })
                    .sum();
                assert!(certain > 0, "no count tallies anything");
            }
        }
    }

    fn ledger(t: &Table, key: &str) -> Value {
        row(t, key).detail.value()["ledger_tally"].clone()
    }

    #[test]
    fn attacks_are_tallied_certain_inside_the_period_possible_at_its_edges() {
        let p = picture(&[JANUARY]);
        let t = counts(&p, Rule::default());
        assert_eq!(
            keys(&t),
            [
                "c/window",
                "c/published",
                "c/killed",
                "c/wounded",
                "c/militants",
                "c/day"
            ]
        );
        assert_eq!(cell(&t, "c/window", "stated"), "at least 4 (≥4)");
        assert_eq!(cell(&t, "c/window", "period"), "2024-01-01 to 2024-01-15");
        // a and b lie inside; c (some day in January) and d (no country) may;
        // e is in Jordan, f is a strike, g is after the period.
        assert_eq!(cell(&t, "c/window", "ledger tally"), "2–4");
        assert_eq!(cell(&t, "c/window", "incidents"), "2 certain, 2 possible");
        let l = ledger(&t, "c/window");
        assert_eq!(l["certain"], json!(["a", "b"]));
        assert_eq!(l["possible"], json!(["c", "d"]));
        assert_eq!((&l["low"], &l["high"]), (&json!(2), &json!(4)));
        let stated = row(&t, "c/window").detail.value()["stated"].clone();
        assert_eq!(stated["qualifier"], json!("at_least"));
        assert_eq!(stated["low"], json!(4));
        assert_eq!(stated["raw"], json!("at least 4"));

        let t = counts(
            &p,
            Rule {
                exclude_intercepted: true,
                ..Rule::default()
            },
        );
        assert_eq!(cell(&t, "c/window", "ledger tally"), "1–3");
        assert!(t.rule.iter().any(|l| l.contains("--exclude-intercepted")));
        assert_eq!(
            t.extra["counting_rule"],
            json!({"exclude_intercepted": true})
        );
    }

    #[test]
    fn a_period_without_an_end_runs_to_the_sources_publication() {
        let t = counts(&picture(&[JANUARY]), Rule::default());
        assert_eq!(
            cell(&t, "c/published", "period"),
            "2024-01-01 to statement (published 2024-01-25)"
        );
        assert_eq!(cell(&t, "c/published", "scope"), "IQ, SY; US forces");
        // g (20 January) is before publication; c may run past it.
        let l = ledger(&t, "c/published");
        assert_eq!(l["certain"], json!(["a", "b", "g"]));
        assert_eq!(l["possible"], json!(["c", "d"]));
        assert_eq!(
            row(&t, "c/published").detail.value()["period"]["to_is"],
            json!("publication")
        );
    }

    #[test]
    fn an_undated_source_leaves_the_end_open_up_to_the_day_it_was_recorded() {
        let later = r#"
{"key":"src2","kind":"source","publisher":"Blog","type":"news_site","party":false}
{"key":"r2/h","kind":"incident","source":"src2","incident":"h","direction":"on_us_forces","occurred":"2024-02-10","target":{"name":"base H","country":"IQ"}}
{"key":"c2/open","kind":"count","source":"src2","speaker":{"name":"Blog"},"metric":"attacks","value":"dozens","scope":{"countries":["IQ"]}}
"#;
        let after = r#"{"key":"r/i","kind":"incident","source":"src","incident":"i","direction":"on_us_forces","occurred":"2025-03-01","target":{"name":"base I","country":"IQ"}}"#;
        let t = counts(&picture(&[JANUARY, later, after]), Rule::default());
        assert_eq!(
            cell(&t, "c2/open", "period"),
            "the start to statement (≥2024-02-10, undated)"
        );
        // Certainly counted up to the latest event the source reports; i may
        // be (the source existed by the day it was recorded, 2026-01-02).
        let l = ledger(&t, "c2/open");
        assert_eq!(l["certain"], json!(["c", "a", "g", "h"]));
        assert_eq!(l["possible"], json!(["d", "i"]));
        assert_eq!(cell(&t, "c2/open", "ledger tally"), "4–6");
        let period = row(&t, "c2/open").detail.value()["period"].clone();
        assert_eq!(period["to_is"], json!("open"));
        assert_eq!(
            period["certain_window"],
            json!({"start": null, "end": "2024-02-10"})
        );
        assert_eq!(
            period["possible_window"],
            json!({"start": null, "end": "2026-01-02"})
        );
    }

    /// A source that reports an event dated after the day the ledger recorded
    /// it: the narrow window (to its latest event) runs past the wide one (to
    /// the recording day), and the fast tally must still agree with the rule.
    #[test]
    fn a_narrow_window_past_the_wide_one_is_tallied_by_the_rule() {
        let odd = r#"
{"key":"src9","kind":"source","publisher":"Blog","type":"news_site","party":false}
{"key":"r9/late","kind":"incident","source":"src9","incident":"late","direction":"on_us_forces","occurred":"2026-03-01","target":{"name":"base L","country":"IQ"},"casualties":[{"group":"us_military","killed":1}]}
{"key":"r9/mid","kind":"incident","source":"src9","incident":"mid","direction":"on_us_forces","occurred":"2025-12","target":{"name":"base M","country":"IQ"}}
{"key":"r9/span","kind":"incident","source":"src9","incident":"span","direction":"on_us_forces","occurred":"2025","target":{"name":"base S"}}
{"key":"c9/attacks","kind":"count","source":"src9","speaker":{"name":"Blog"},"metric":"attacks","value":"dozens","scope":{"countries":["IQ"]}}
{"key":"c9/deaths","kind":"count","source":"src9","speaker":{"name":"Blog"},"metric":"deaths","value":"one","period":{"from":"2025-06-01"}}
"#;
        let t = counts(&picture(&[JANUARY, odd]), Rule::default());
        let window = row(&t, "c9/attacks").detail.value()["period"].clone();
        assert_eq!(window["certain_window"]["end"], json!("2026-03-01"));
        assert_eq!(window["possible_window"]["end"], json!("2026-01-02"));
        // late lies in the narrow window only; span (no country) may count.
        let l = ledger(&t, "c9/attacks");
        assert!(l["certain"].as_array().unwrap().contains(&json!("late")));
        assert!(l["possible"].as_array().unwrap().contains(&json!("span")));
        assert_eq!(ledger(&t, "c9/deaths")["certain"], json!(["late"]));
    }

    #[test]
    fn people_are_summed_from_stated_figures_and_unknown_is_not_zero() {
        let t = counts(&picture(&[JANUARY]), Rule::default());
        // US-side killed in attacks on US forces: a 2 + c 1; the others state
        // no figure and add nothing.
        assert_eq!(cell(&t, "c/killed", "ledger tally"), "3");
        assert_eq!(
            cell(&t, "c/killed", "incidents"),
            "2 certain, 0 possible; 4 state no figure"
        );
        assert_eq!(
            ledger(&t, "c/killed")["no_figure"],
            json!(["d", "e", "b", "g"])
        );
        // "at least 3" wounded keeps the tally open above.
        assert_eq!(cell(&t, "c/wounded", "ledger tally"), "≥3");
        // Militants killed count US strikes only: f's "about 5", not c's 4.
        assert_eq!(cell(&t, "c/militants", "ledger tally"), "5");
        assert_eq!(ledger(&t, "c/militants")["certain"], json!(["f"]));
        // One day: only a's two; c (some day in January) may add its one.
        assert_eq!(cell(&t, "c/day", "period"), "2024-01-05");
        assert_eq!(cell(&t, "c/day", "ledger tally"), "2–3");
    }

    #[test]
    fn corrected_and_denied_counts_say_so() {
        let revisions = r#"
{"key":"src3","kind":"source","publisher":"Militia channel","type":"militia_channel","party":true}
{"key":"fix/window","kind":"correction","source":"src","target":"c/window","reason":"the figure was five","replacement":{"kind":"count","source":"src","speaker":{"name":"DoD"},"metric":"attacks","value":"at least 5","period":{"from":"2024-01-01","to":"2024-01-15"},"scope":{"countries":["IQ","SY"]}}}
{"key":"deny/published","kind":"denial","source":"src3","denier":{"name":"Militia"},"target":"c/published","type":"figures","quote":"inflated"}
"#;
        let t = counts(&picture(&[JANUARY, revisions]), Rule::default());
        assert_eq!(cell(&t, "c/window", "stated"), "at least 5 (≥5)");
        assert_eq!(cell(&t, "c/window", "status"), "corrected by fix/window");
        assert_eq!(
            cell(&t, "c/published", "status"),
            "denied (figures) by Militia: “inflated”"
        );
        let denials = row(&t, "c/published").detail.value()["denials"].clone();
        assert_eq!(denials[0]["key"], json!("deny/published"));
        assert_eq!(denials[0]["quote"], json!("inflated"));
        assert_eq!(cell(&t, "c/killed", "status"), "—");
    }

    #[test]
    fn the_seed_counts_stand_beside_a_ledger_tally() {
        let p = seeds();
        let t = counts(&p, Rule::default());
        assert!(t.rule.iter().any(|l| l.contains("--list-incidents")));
        for (key, stated) in [
            ("s001/count/pentagon-78-attacks", "a total of 78 (78)"),
            ("s001/count/iri-at-least-91-attacks", "at least 91 (≥91)"),
            ("wiki/count/attacks-more-than-170", "more than 170 (≥171)"),
            ("sofrep/count/attacks-over-100", "over 100 (≥101)"),
        ] {
            assert_eq!(cell(&t, key, "stated"), stated, "{key}");
            assert_eq!(cell(&t, key, "metric"), "attacks");
            let l = ledger(&t, key);
            let low = l["low"].as_u64().unwrap();
            let high = l["high"].as_u64().unwrap();
            let (certain, possible) = (
                l["certain"].as_array().unwrap().len() as u64,
                l["possible"].as_array().unwrap().len() as u64,
            );
            assert!(low > 0 && low <= high, "{key}: {low}–{high}");
            assert_eq!((low, high), (certain, certain + possible), "{key}");
        }
        // The Pentagon's count names Iraq and Syria: Tower 22 (Jordan) is not in it,
        // while Wikipedia's names Jordan too.
        let tower = json!("wiki/2024-01-28-tower-22");
        let pentagon = ledger(&t, "s001/count/pentagon-78-attacks");
        assert!(!pentagon["certain"].as_array().unwrap().contains(&tower));
        assert!(!pentagon["possible"].as_array().unwrap().contains(&tower));
        let wiki = ledger(&t, "wiki/count/attacks-more-than-170");
        assert!(wiki["certain"].as_array().unwrap().contains(&tower));
    }
}
