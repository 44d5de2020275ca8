//! What both derives share: the parse → validate → expand pipeline with
//! its error accumulator, the attribute values both accept, and the
//! where-clause helpers. *(`serde_derive`: `internals/`)*

pub mod attr;
pub mod bounds;
pub mod pipeline;
