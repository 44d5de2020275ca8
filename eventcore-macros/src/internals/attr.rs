//! Attribute values that both derives accept, each with errors that name
//! the option, the form it takes and an example (darling's defaults say
//! "Unexpected meta-item format `word`").

use darling::FromMeta;
use proc_macro2::Span;
use syn::{Meta, Path, Type, spanned::Spanned};

/// Parses `option = value` with `T`'s own parser, but reports a bare
/// `option` or a value of the wrong kind as: "`option` takes …: write
/// `example`".
pub fn with_value<T: FromMeta>(
    item: &Meta,
    option: &str,
    takes: &str,
    example: &str,
) -> darling::Result<T> {
    let explain = || {
        darling::Error::custom(format!("`{option}` takes {takes}: write {example}")).with_span(item)
    };
    match item {
        Meta::Path(_) | Meta::List(_) => Err(explain()),
        Meta::NameValue(_) => T::from_meta(item).map_err(|_| explain()),
    }
}

/// The value of `crate = ..`: the path generated code uses for the
/// `eventcore` crate. `::eventcore` unless the user re-exports it elsewhere.
pub struct CratePath {
    pub path: Path,
    /// Whether the user wrote it (its tokens then carry the user's spans).
    pub given: bool,
}

impl Default for CratePath {
    fn default() -> Self {
        Self {
            path: syn::parse_quote!(::eventcore),
            given: false,
        }
    }
}

impl FromMeta for CratePath {
    fn from_meta(item: &Meta) -> darling::Result<Self> {
        with_value(
            item,
            "crate",
            "the path to the `eventcore` crate where it is re-exported",
            "`crate = my_app::eventcore`",
        )
        .map(|path| Self { path, given: true })
    }
}

/// A type given as `option = Type` (`event = ..` on a command, `state = ..`
/// on a stream field).
pub struct TypeOption<const EVENT: bool>(pub Type);

impl<const EVENT: bool> FromMeta for TypeOption<EVENT> {
    fn from_meta(item: &Meta) -> darling::Result<Self> {
        let (option, takes, example) = if EVENT {
            (
                "event",
                "the command's event type",
                "#[command(event = YourEvent)]",
            )
        } else {
            (
                "state",
                "the type this field's streams fold into",
                "#[stream(state = Account)], where `Account: Fold<YourEvent> + Default`",
            )
        };
        with_value(item, option, takes, example).map(Self)
    }
}

/// A flag: present as a bare word, absent otherwise.
#[derive(Default)]
pub struct WordFlag(Option<Span>);

impl WordFlag {
    /// The flag's span, when present.
    pub const fn span(&self) -> Option<Span> {
        self.0
    }
}

impl FromMeta for WordFlag {
    fn from_meta(item: &Meta) -> darling::Result<Self> {
        if let Meta::Path(path) = item {
            return Ok(Self(Some(path.span())));
        }
        let name = item
            .path()
            .get_ident()
            .map_or_else(String::new, ToString::to_string);
        Err(darling::Error::custom(format!(
            "`{name}` is a flag and takes no value: write just `{name}`"
        ))
        .with_span(item))
    }
}

/// A name given as `option = Name`, for a generated item.
pub struct NameOption(pub syn::Ident);

impl FromMeta for NameOption {
    fn from_meta(item: &Meta) -> darling::Result<Self> {
        let option = item
            .path()
            .get_ident()
            .map_or_else(String::new, ToString::to_string);
        let example = format!("`{option} = MyName`");
        let path: Path = with_value(item, &option, "a name for the generated struct", &example)?;
        path.get_ident().cloned().map(Self).ok_or_else(|| {
            darling::Error::custom(format!(
                "`{option}` takes a plain name, not a path: write {example}"
            ))
            .with_span(item)
        })
    }
}
