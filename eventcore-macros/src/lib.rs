//! Derive macros for EventCore.
use proc_macro as _;
