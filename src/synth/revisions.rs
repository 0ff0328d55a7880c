//! Facts that point at earlier facts: denials, corrections (a full replacement
//! of the same kind as the fact corrected, with updated figures), retractions and
//! merges of incident keys. Which earlier fact each one targets is chosen by the
//! caller from [`super::memory::Memory`], within the journal's rules.

use super::figures::{phrase, small, total};
use super::memory::Reported;
use super::rng::Rng;
use super::words::{CORRECTION_REASONS, MERGE_REASONS, MILITIAS, OFFICIALS};
use crate::fact::{
    ActorRef, Basis, Casualties, CasualtyGroup, Certainty, Correction, Count, DateSpec, Denial,
    DenialType, FactBody, FactKind, Incident, Merge, Outcome, Precision, Retraction,
    RetractionReason,
};

/// A denial of the fact `target` (of kind `kind`) by whoever it concerns.
pub fn denial(rng: &mut Rng, source: &str, target: &str, kind: FactKind) -> Denial {
    let (who, basis, denial_type, quote) = match kind {
        FactKind::Claim | FactKind::Statement => (
            &MILITIAS[rng.index(3)],
            Basis::SelfClaim,
            *rng.pick(&[DenialType::Authorship, DenialType::Involvement]),
            *rng.pick(&[
                "fabricated news",
                "we had no part in it",
                "this statement did not come from us",
            ]),
        ),
        FactKind::Count => (
            &OFFICIALS[rng.index(2)],
            Basis::Official,
            DenialType::Figures,
            "the figures are exaggerated",
        ),
        _ => (
            &OFFICIALS[rng.index(2)],
            Basis::Official,
            *rng.pick(&[
                DenialType::Occurrence,
                DenialType::Figures,
                DenialType::Characterization,
            ]),
            *rng.pick(&[
                "no such attack took place",
                "there were no injuries",
                "it was an accident, not an attack",
            ]),
        ),
    };
    Denial {
        source: source.into(),
        denier: ActorRef {
            name: (*rng.pick(who.names)).into(),
            actor: who.key.map(Into::into),
            role: None,
            basis: rng.chance(500).then_some(basis),
            certainty: rng.chance(500).then_some(Certainty::Confirmed),
        },
        target: target.into(),
        denial_type,
        quote: rng.chance(700).then(|| quote.into()),
    }
}

/// A correction of `target` by `source`, replacing it with `replacement`.
pub fn correction(rng: &mut Rng, source: &str, target: &str, replacement: FactBody) -> Correction {
    Correction {
        source: source.into(),
        target: target.into(),
        replacement: Box::new(replacement),
        reason: (*rng.pick(CORRECTION_REASONS)).into(),
    }
}

/// The report as its source later corrected it: updated figures, a settled
/// outcome, or the exact day.
pub fn corrected_incident(rng: &mut Rng, original: &Incident) -> Incident {
    let mut fixed = original.clone();
    match rng.below(4) {
        0 => fixed.outcome = *rng.pick(&[Outcome::Impact, Outcome::PartlyIntercepted]),
        1 => {
            let n = rng.between(1, 6);
            fixed.munitions = Some(Box::new(phrase(&small(rng, n))));
        }
        2 if fixed.occurred.precision != Precision::Day => {
            fixed.occurred = DateSpec::day(fixed.occurred.start);
        }
        _ => {
            let wounded = rng.between(1, 12);
            let group = fixed
                .casualties
                .first()
                .map_or(CasualtyGroup::UsMilitary, |c| c.group);
            let killed = fixed.casualties.first().and_then(|c| c.killed.clone());
            fixed.casualties = vec![Casualties {
                group,
                killed,
                wounded: Some(phrase(&small(rng, wounded))),
                note: Some("updated figure".into()),
            }];
        }
    }
    fixed
}

/// The count as its speaker later revised it.
pub fn corrected_count(rng: &mut Rng, original: &Count) -> Count {
    let mut fixed = original.clone();
    let n = original.value.floor() + rng.between(1, 25);
    fixed.value = phrase(&total(rng, n));
    fixed.quote = None;
    fixed
}

/// The withdrawal of `target`.
pub fn retraction(rng: &mut Rng, source: &str, target: &str) -> Retraction {
    let (reason, note) = *rng.pick(&[
        (RetractionReason::Duplicate, "entered twice"),
        (
            RetractionReason::EnteredInError,
            "attached to the wrong source",
        ),
        (
            RetractionReason::SourceWithdrew,
            "the article was taken down",
        ),
        (RetractionReason::OutOfScope, "not an attack on US forces"),
    ]);
    Retraction {
        source: source.into(),
        target: target.into(),
        reason,
        note: rng.chance(600).then(|| note.into()),
    }
}

/// The decision that `a` and `b` are one incident; the earlier key survives.
pub fn merge(rng: &mut Rng, source: &str, a: &Reported, b: &Reported) -> Merge {
    let reason = format!(
        "{} {} ({}) and {} ({}).",
        rng.pick(MERGE_REASONS),
        a.place.names[0],
        a.day,
        b.place.names[0],
        b.day
    );
    Merge {
        source: source.into(),
        incidents: vec![a.key.as_str().into(), b.key.as_str().into()],
        surviving: a.key.as_str().into(),
        reason: reason.into(),
    }
}
