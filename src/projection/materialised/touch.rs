//! Which incident keys a fact bears on: the edges along which a change to the
//! ledger reaches the incidents it can change.
//!
//! An incident report bears on its incident key, a claim on every key it
//! names, a merge on every key it joins and on the key that survives it. A
//! denial, correction or retraction bears on whatever its target bears on (a
//! correction also on what its replacement names, which can move a report to
//! another incident). Sources, counts and statements bear on none: no
//! incident's combined row reads them.
//!
//! Some facts also *link* the keys they bear on: they can change which keys
//! form one incident, or which incident a fact falls under — a merge, a
//! correction, and a retraction of either. The incidents joined by linking
//! facts must be recomputed together: a correction that moves a claim from one
//! incident to another is in force only if no later correction of the same
//! claim replaced it, and those later corrections bear on the claim's first
//! incident, not on the second. A claim or a denial that names two incidents
//! changes each, but not what either is made of.

use crate::codec::{Decode, Encode};
use crate::fact::FactBody;
use crate::text::Text;

/// What a fact bears on. `S` is `String`, or `&str` borrowed from the facts
/// when a whole picture is cut into buckets.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct Touch<S = String> {
    /// The incident keys, sorted and distinct.
    pub keys: Vec<S>,
    /// Whether it links them (see the module's documentation).
    pub links: bool,
}

/// What `body` bears on. `target` gives what the fact a revision names
/// (recorded earlier) bears on.
pub fn touched<'p, S, E>(
    body: &'p FactBody,
    target: &mut impl FnMut(&str) -> Result<Touch<S>, E>,
) -> Result<Touch<S>, E>
where
    S: From<&'p str> + Ord,
{
    let key = |k: &'p Text| S::from(k.as_str());
    let (mut keys, links) = match body {
        FactBody::Incident(i) => (vec![key(&i.incident)], false),
        FactBody::Claim(c) => (c.incidents.iter().map(key).collect(), false),
        FactBody::Merge(m) => {
            let mut keys: Vec<S> = m.incidents.iter().map(key).collect();
            keys.push(key(&m.surviving));
            (keys, true)
        }
        FactBody::Denial(d) => (target(&d.target)?.keys, false),
        FactBody::Retraction(r) => {
            let of = target(&r.target)?;
            (of.keys, of.links)
        }
        // Always linking: an incident the replacement names is made of the
        // target's body in force, which every revision of the target (each
        // bearing on the target's keys) decides.
        FactBody::Correction(c) => {
            let mut keys = target(&c.target)?.keys;
            keys.extend(touched(&c.replacement, target)?.keys);
            (keys, true)
        }
        FactBody::Source(_) | FactBody::Count(_) | FactBody::Statement(_) => (Vec::new(), false),
    };
    keys.sort_unstable();
    keys.dedup();
    Ok(Touch { keys, links })
}
