//! Views recomputed from the entries. For now: the revision history of one fact
//! or incident key; the projection engine of DESIGN §6 grows here.

pub mod history;
