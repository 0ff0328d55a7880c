//! `sitrep project <name>`: compute one projection at an as-of point (or the
//! difference between two), with the counting rule the user chose, and write it
//! as a table, CSV or JSON. Flags are validated before any work starts, and each
//! error names the flag.

use std::io::Write;

use anyhow::{anyhow, bail, Context as _};
use clap::Args as ClapArgs;
use sitrep::fact::Direction;
use sitrep::journal::Journal;
use sitrep::projection::as_of::{AsOf, Cut};
use sitrep::projection::resolve::Resolved;
use sitrep::projection::table::Table;
use sitrep::projection::views::tallies::Details;
use sitrep::projection::views::{Cells, DirectionRule, GroupBy, Params, Rows, Rule, View};
use sitrep::projection::{engine, materialised};
use sitrep::time::{Date, Timestamp};
use sitrep::Seq;

use super::context::Context;
use super::view_cache;
use super::view_output::{self, Format};
use super::Outcome;

/// Compute a projection: incidents, tallies, pauses, counts, statements,
/// revisions or timeline (docs/projections.md).
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Which projection.
    #[arg(value_name = "NAME")]
    name: String,

    /// tallies: group by these keys, comma-separated: country, site, month, week,
    /// attack_type, actor, outcome, direction.
    #[arg(long, value_delimiter = ',', value_name = "KEYS")]
    by: Vec<String>,

    /// Only incidents on or after this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    from: Option<String>,

    /// Only incidents on or before this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    to: Option<String>,

    /// Only incidents in these countries (ISO codes, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    country: Vec<String>,

    /// Which incidents count: on_us_forces, us_strike, other or any [default:
    /// on_us_forces for tallies and pauses, any elsewhere].
    #[arg(long, value_name = "DIRECTION")]
    direction: Option<String>,

    /// Leave out incidents every report of which says they were intercepted.
    #[arg(long)]
    exclude_intercepted: bool,

    /// pauses: the shortest gap reported, in days [default: 14].
    #[arg(long, value_name = "DAYS")]
    min_gap_days: Option<String>,

    /// counts: list the incidents each ledger tally counts, by key (JSON:
    /// ledger_tally.certain, .possible, .no_figure); the work grows as counts ×
    /// incidents.
    #[arg(long)]
    list_incidents: bool,

    /// As the ledger stood when this seq was its last entry.
    #[arg(long, value_name = "SEQ", conflicts_with = "as_of_recorded")]
    as_of_seq: Option<String>,

    /// As the ledger stood at this time (RFC 3339): entries recorded by then.
    #[arg(long, value_name = "TIME")]
    as_of_recorded: Option<String>,

    /// Only facts from sources certainly published by this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    as_of_published: Option<String>,

    /// Show what changed between two as-of points: head, seq:N, recorded:TIME,
    /// published:DATE.
    #[arg(long, num_args = 2, value_names = ["A", "B"],
          conflicts_with_all = ["as_of_seq", "as_of_recorded", "as_of_published"])]
    diff: Vec<String>,

    /// Write CSV instead of a table.
    #[arg(long, conflicts_with = "diff")]
    csv: bool,
}

/// The validated request.
struct Request {
    view: View,
    params: Params,
    as_of: AsOf,
    diff: Option<(AsOf, AsOf)>,
    format: Format,
}

pub fn run(ctx: &Context, args: Args, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let request = validate(args, ctx.json)?;
    let journal = ctx.open()?;
    match &request.diff {
        None => {
            // At the head, the output the same flags gave last time is reused
            // when nothing was appended since (view_cache.rs).
            let at_head = request.as_of.cut == Cut::Head && request.as_of.published.is_none();
            let fingerprint = at_head
                .then(|| view_cache::fingerprint(request.view, &request.params, request.format));
            if let Some(kept) = fingerprint
                .as_deref()
                .and_then(|f| view_cache::lookup(&journal, request.view, f))
            {
                out.write_all(&kept)?;
                return Ok(Outcome::Success);
            }
            let (table, size, left_out, notes) = compute(&journal, &request, &request.as_of, true)?;
            print_notes(&notes);
            let at = view_output::Context {
                as_of: request.as_of.to_string(),
                size,
                left_out: &left_out,
            };
            let mut output = Vec::new();
            view_output::write(&mut output, &table, &at, request.format)?;
            out.write_all(&output)?;
            if let Some(f) = &fingerprint {
                view_cache::store(&journal, request.view, f, &output);
            }
        }
        Some((a, b)) => {
            let (before, _, left_a, notes) = compute(&journal, &request, a, false)?;
            print_notes(&notes);
            let (after, size, left_b, _) = compute(&journal, &request, b, true)?;
            let mut left_out = left_a;
            for l in left_b {
                if !left_out.contains(&l) {
                    left_out.push(l);
                }
            }
            let diff = Table::diff(&before, &after, &format!("changes from {a} to {b}"));
            let at = view_output::Context {
                as_of: format!("{a} → {b}"),
                size,
                left_out: &left_out,
            };
            view_output::write(out, &diff, &at, request.format)?;
        }
    }
    Ok(Outcome::Success)
}

type Computed = (Table, u64, Vec<engine::LeftOut>, Vec<String>);

/// One projection at `as_of`. With `last`, the process exits right after, so
/// the picture is left for the system to reclaim: freeing a million facts one
/// allocation at a time costs a sixth of the command's time.
fn compute(
    journal: &Journal,
    request: &Request,
    as_of: &AsOf,
    last: bool,
) -> anyhow::Result<Computed> {
    if request.view == View::Tallies && as_of.published.is_none() {
        // Tallies are counted from the materialised incident table, which an
        // append keeps up to date, at the head, and from the table's history
        // at any earlier cut (projection/materialised). Text and CSV show
        // only the cells; a diff compares details too.
        let details = if request.format == Format::Json || request.diff.is_some() {
            Details::Full
        } else {
            Details::CellsOnly
        };
        let size = engine::cut_size(journal, as_of.cut)?;
        let (table, notes) =
            materialised::history::tallies_at(journal, size, &request.params, details)?;
        return Ok((table, size, Vec::new(), notes));
    }
    let point = engine::at(journal, as_of)?;
    let resolved = Resolved::new(&point.picture);
    let table = request.view.build(&resolved, &request.params);
    let computed = (table, point.size, point.left_out, point.notes);
    if last {
        std::mem::forget(resolved);
        std::mem::forget(point.picture);
    }
    Ok(computed)
}

fn print_notes(notes: &[String]) {
    for note in notes {
        eprintln!("sitrep: note: {note}");
    }
}

fn validate(args: Args, json: bool) -> anyhow::Result<Request> {
    let view: View = args.name.parse().map_err(|e: String| anyhow!(e))?;
    if !args.by.is_empty() && view != View::Tallies {
        bail!("--by applies only to `tallies`, not `{view}`");
    }
    if args.min_gap_days.is_some() && !matches!(view, View::Pauses | View::Timeline) {
        bail!("--min-gap-days applies only to `pauses` and `timeline`, not `{view}`");
    }
    if args.list_incidents && view != View::Counts {
        bail!("--list-incidents applies only to `counts`, not `{view}`");
    }
    let by = args
        .by
        .iter()
        .map(|k| k.parse::<GroupBy>().map_err(|e| anyhow!("--by: {e}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let from = date_flag("--from", args.from.as_deref())?;
    let to = date_flag("--to", args.to.as_deref())?;
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            bail!("--from {f} is after --to {t}");
        }
    }
    let countries = args
        .country
        .iter()
        .map(|c| {
            let ok = c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase());
            if ok {
                Ok(c.clone())
            } else {
                Err(anyhow!(
                    "--country: `{c}` is not an ISO 3166-1 alpha-2 code (two capital letters, e.g. IQ)"
                ))
            }
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let direction = args
        .direction
        .as_deref()
        .map(|d| match d {
            "any" => Ok(DirectionRule::Any),
            "on_us_forces" => Ok(DirectionRule::Only(Direction::OnUsForces)),
            "us_strike" => Ok(DirectionRule::Only(Direction::UsStrike)),
            "other" => Ok(DirectionRule::Only(Direction::Other)),
            _ => Err(anyhow!(
                "--direction: `{d}` is not a direction; expected on_us_forces, us_strike, other or any"
            )),
        })
        .transpose()?;
    let min_gap_days = match args.min_gap_days.as_deref() {
        None => Params::default().min_gap_days,
        Some(text) => match text.parse::<u32>() {
            Ok(n) if n >= 1 => n,
            _ => bail!("--min-gap-days: `{text}` is not a whole number of days of at least 1"),
        },
    };
    let cut = match (args.as_of_seq.as_deref(), args.as_of_recorded.as_deref()) {
        (Some(seq), _) => {
            Cut::Seq(Seq::new(seq.parse::<u64>().map_err(|_| {
                anyhow!("--as-of-seq: `{seq}` is not a seq number")
            })?))
        }
        (None, Some(time)) => Cut::Recorded(
            Timestamp::parse(time).with_context(|| format!("--as-of-recorded: `{time}`"))?,
        ),
        (None, None) => Cut::Head,
    };
    let published = date_flag("--as-of-published", args.as_of_published.as_deref())?;
    let diff = match args.diff.as_slice() {
        [] => None,
        [a, b] => Some((
            a.parse::<AsOf>().map_err(|e| anyhow!("--diff: {e}"))?,
            b.parse::<AsOf>().map_err(|e| anyhow!("--diff: {e}"))?,
        )),
        _ => bail!("--diff takes two as-of points"),
    };
    let format = if json {
        Format::Json
    } else if args.csv {
        Format::Csv
    } else {
        Format::Human
    };
    Ok(Request {
        view,
        params: Params {
            by,
            rule: Rule {
                direction,
                exclude_intercepted: args.exclude_intercepted,
                countries,
                from,
                to,
            },
            min_gap_days,
            list_incidents: args.list_incidents,
            cells: Cells::Shown,
            rows: Rows::Kept,
        },
        as_of: AsOf { cut, published },
        diff,
        format,
    })
}

fn date_flag(flag: &str, text: Option<&str>) -> anyhow::Result<Option<Date>> {
    text.map(|t| Date::parse(t).map_err(|e| anyhow!("{flag}: {e}")))
        .transpose()
}
