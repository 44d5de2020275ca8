//! Attribute values that both derives accept.

use darling::FromMeta;
use syn::{Meta, Path};

/// The value of `crate = ..`: the path generated code uses for the
/// `eventcore` crate. `::eventcore` unless the user re-exports it elsewhere.
pub struct CratePath(pub Path);

impl Default for CratePath {
    fn default() -> Self {
        Self(syn::parse_quote!(::eventcore))
    }
}

impl FromMeta for CratePath {
    // Parsed as a plain `Path`, so a bad value gets darling's own message
    // and span.
    fn from_meta(item: &Meta) -> darling::Result<Self> {
        Path::from_meta(item).map(Self)
    }
}
