//! `Incident`: one source's account of one attack or strike.
//!
//! Several sources may report the same incident; they share an incident key
//! (`incident`), and each keeps its own date, place and figures. Combining them is
//! the projections' job, never the append's.

use serde::{Deserialize, Serialize};

use super::actor::ActorRef;
use super::date_spec::DateSpec;
use super::keys::check_key;
use super::place::Place;
use super::problem::{check_each, check_opt, Problem};
use super::quantity::Quantity;
use crate::codec::{Decode, Encode};
use crate::text::Text;

/// Who attacked whom, as far as counting rules care.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Encode, Decode,
)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// An attack on US or coalition forces.
    OnUsForces,
    /// A US or coalition strike.
    UsStrike,
    /// Anything else (an unexplained blast, an attack on third parties).
    Other,
}

/// The means of attack.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Encode, Decode,
)]
#[serde(rename_all = "snake_case")]
pub enum AttackType {
    /// Armed, one-way or kamikaze drone.
    Drone,
    /// Rocket (Katyusha etc.).
    Rocket,
    /// Ballistic missile.
    BallisticMissile,
    /// Missile of unstated type.
    Missile,
    /// Mortar.
    Mortar,
    /// Improvised explosive device.
    Ied,
    /// Airstrike by aircraft.
    Airstrike,
    /// Strike by an armed drone operated by a state.
    DroneStrike,
    /// Gunship (AC-130).
    Gunship,
    /// Artillery.
    Artillery,
    /// Small arms.
    SmallArms,
    /// An explosion of unknown cause.
    Explosion,
    /// Not stated.
    Unknown,
}

/// What became of the attack.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    Encode,
    Decode,
)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It hit.
    Impact,
    /// Everything was intercepted.
    Intercepted,
    /// Some of it was intercepted, some hit.
    PartlyIntercepted,
    /// It failed or fell short.
    Failed,
    /// Not stated.
    #[default]
    Unknown,
}

/// A group of people counted separately.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Encode, Decode,
)]
#[serde(rename_all = "snake_case")]
pub enum CasualtyGroup {
    /// US service members.
    UsMilitary,
    /// US contractors.
    UsContractor,
    /// Coalition troops (may include US troops where the source does not split them).
    Coalition,
    /// Forces of the host nation (Iraqi security forces).
    HostNationForces,
    /// Partner forces that are not the host state's (e.g. the SDF).
    PartnerForces,
    /// Militia members and fighters.
    Militants,
    /// Civilians and workers.
    Civilians,
    /// Not stated who.
    Unknown,
}

/// Killed and wounded in one group.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Encode, Decode)]
#[serde(deny_unknown_fields)]
pub struct Casualties {
    /// Who.
    pub group: CasualtyGroup,
    /// Killed, if stated.
    pub killed: Option<Quantity>,
    /// Wounded, if stated.
    pub wounded: Option<Quantity>,
    /// The words of the source ("one being critical").
    pub note: Option<Text>,
}

/// One source's account of one attack or strike.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Encode, Decode)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    /// The source key.
    pub source: Text,
    /// The incident key, shared by every report of the same event.
    pub incident: Text,
    /// Attack on US forces, or US strike.
    pub direction: Direction,
    /// When it happened.
    pub occurred: DateSpec,
    /// Where it hit.
    pub target: Place,
    /// Where it was launched from. Boxed, as `munitions` is: few reports say,
    /// and inline the two would add 192 bytes to every incident in memory (a
    /// box encodes exactly as what it holds).
    pub launch: Option<Box<Place>>,
    /// The means.
    #[serde(default)]
    pub attack_types: Vec<AttackType>,
    /// How many munitions (drones, rockets, missiles).
    pub munitions: Option<Box<Quantity>>,
    /// What became of it.
    #[serde(default)]
    pub outcome: Outcome,
    /// Damage as described.
    pub damage: Option<Text>,
    /// Casualties by group.
    #[serde(default)]
    pub casualties: Vec<Casualties>,
    /// Who carried it out, and on what basis that is said.
    #[serde(default)]
    pub attackers: Vec<ActorRef>,
    /// Who was targeted.
    #[serde(default)]
    pub targeted: Vec<ActorRef>,
    /// A one-sentence summary in our words.
    pub summary: Option<Text>,
    /// The source's words.
    pub quote: Option<Text>,
}

impl Incident {
    /// Checks every nested value.
    pub fn check(&self) -> Result<(), Problem> {
        check_key(&self.incident).map_err(|p| p.within("incident"))?;
        self.occurred.check().map_err(|p| p.within("occurred"))?;
        self.target.check().map_err(|p| p.within("target"))?;
        check_opt("launch", self.launch.as_deref(), Place::check)?;
        check_opt("munitions", self.munitions.as_deref(), Quantity::check)?;
        check_each("casualties", &self.casualties, |c| {
            check_opt("killed", c.killed.as_ref(), Quantity::check)?;
            check_opt("wounded", c.wounded.as_ref(), Quantity::check)
        })?;
        check_each("attackers", &self.attackers, ActorRef::check)?;
        check_each("targeted", &self.targeted, ActorRef::check)
    }
}
