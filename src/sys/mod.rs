//! The platform layer: what the runner asks of the operating system beyond std. Today:
//! isolating the programs a learner wrote (`sandbox`) and reading files someone else
//! controls (`files`).

pub(crate) mod files;
pub mod processes;
pub mod sandbox;
pub mod terminal;
