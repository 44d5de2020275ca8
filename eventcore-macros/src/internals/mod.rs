//! What both derives share: the parse → validate → expand pipeline with
//! its error accumulator, and the where-clause helpers.
//! *(`serde_derive`: `internals/`)*

pub mod bounds;
pub mod pipeline;
