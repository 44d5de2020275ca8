//! proptest strategies for the core types.
//!
//! ```
//! use eventcore_testing::strategies;
//! use proptest::prelude::*;
//!
//! proptest! {
//!     # #[allow(unused)]
//!     fn stream_ids_are_never_empty(id in strategies::stream_id()) {
//!         prop_assert!(!id.as_str().is_empty());
//!     }
//! }
//! # stream_ids_are_never_empty();
//! ```

use proptest::{collection, option, prelude::*};
use serde_json::{Map, Value};

use eventcore::{
    CausationId, CorrelationId, EventId, EventMetadata, GlobalPosition, StreamId, StreamVersion,
    Timestamp, UserId,
};

/// Text that satisfies the identifier rule: 1 to 255 characters, none of them
/// control characters.
pub fn valid_name() -> impl Strategy<Value = String> {
    collection::vec(visible_char(), 1..=255).prop_map(|chars| chars.into_iter().collect())
}

/// Characters that are valid anywhere in a name and keep it in NFC:
/// printable ASCII, Latin-1 letters and signs, Greek, CJK and emoji (none
/// of them combining marks).
fn visible_char() -> impl Strategy<Value = char> {
    prop_oneof![
        (0x20_u32..0x7f).prop_filter_map("printable ASCII", char::from_u32),
        (0xa1_u32..0x100)
            .prop_filter("not the soft hyphen", |c| *c != 0xad)
            .prop_filter_map("Latin-1", char::from_u32),
        (0x391_u32..0x3aa).prop_filter_map("Greek", char::from_u32),
        (0x4e00_u32..0x4f00).prop_filter_map("CJK", char::from_u32),
        (0x1f600_u32..0x1f650).prop_filter_map("emoji", char::from_u32),
    ]
}

/// Text that breaks the identifier rule: empty, too long, with a control
/// character or an invisible (zero-width, bidirectional) character
/// somewhere, or not in Unicode NFC (a combining accent after a letter).
pub fn invalid_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        (256_usize..400).prop_map(|n| "x".repeat(n)),
        (valid_name(), any::<prop::sample::Index>(), control_char())
            .prop_map(|(name, at, c)| insert(&name, at, c)),
        (valid_name(), any::<prop::sample::Index>(), invisible_char())
            .prop_map(|(name, at, c)| insert(&name, at, c)),
        // "é" as e + combining acute: NFC composes it, so this is not NFC.
        valid_name().prop_map(|name| name.chars().take(250).collect::<String>() + "e\u{301}"),
    ]
}

fn insert(name: &str, at: prop::sample::Index, c: char) -> String {
    let mut chars: Vec<char> = name.chars().take(250).collect();
    let index = at.index(chars.len() + 1);
    chars.insert(index, c);
    chars.into_iter().collect()
}

fn invisible_char() -> impl Strategy<Value = char> {
    prop::sample::select(vec![
        '\u{200B}', '\u{200C}', '\u{200D}', '\u{200E}', '\u{202A}', '\u{202E}', '\u{2028}',
        '\u{2029}', '\u{2060}', '\u{2066}', '\u{2069}', '\u{FEFF}', '\u{061C}',
    ])
}

fn control_char() -> impl Strategy<Value = char> {
    prop_oneof![
        (0_u32..0x20).prop_filter_map("C0 control", char::from_u32),
        (0x7f_u32..0xa0).prop_filter_map("DEL and C1 controls", char::from_u32),
    ]
}

/// A valid [`StreamId`].
pub fn stream_id() -> impl Strategy<Value = StreamId> {
    valid_name().prop_filter_map("valid by construction", |s| StreamId::try_new(s).ok())
}

/// A short, readable [`StreamId`] such as `account-3`, from a small pool so
/// that generated commands collide.
pub fn pooled_stream_id(prefix: &'static str, pool: u32) -> impl Strategy<Value = StreamId> {
    (0..pool.max(1)).prop_filter_map("valid by construction", move |n| {
        StreamId::with_prefix(prefix, n).ok()
    })
}

/// A valid [`UserId`].
pub fn user_id() -> impl Strategy<Value = UserId> {
    valid_name().prop_filter_map("valid by construction", |s| UserId::try_new(s).ok())
}

/// A UUIDv7-based [`EventId`] with arbitrary timestamp and random bits.
pub fn event_id() -> impl Strategy<Value = EventId> {
    any::<u128>().prop_filter_map("valid by construction", |bits| {
        // Force the version (7) and variant (RFC 4122) bits.
        let bits =
            (bits & !(0xF_u128 << 76) & !(0b11_u128 << 62)) | (0x7_u128 << 76) | (0b10_u128 << 62);
        EventId::try_from_uuid(uuid::Uuid::from_u128(bits)).ok()
    })
}

/// A [`StreamVersion`].
pub fn stream_version() -> impl Strategy<Value = StreamVersion> {
    any::<u64>().prop_map(StreamVersion::new)
}

/// A [`GlobalPosition`].
pub fn global_position() -> impl Strategy<Value = GlobalPosition> {
    any::<u64>().prop_map(GlobalPosition::new)
}

/// A [`Timestamp`] between 1970 and 2200, with nanosecond precision.
pub fn timestamp() -> impl Strategy<Value = Timestamp> {
    (0_i64..7_258_118_400, 0_u32..1_000_000_000).prop_filter_map("in range", |(secs, nanos)| {
        chrono::DateTime::from_timestamp(secs, nanos).map(Timestamp::from)
    })
}

/// A JSON scalar, for custom metadata values.
fn json_scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-zA-Z0-9 _-]{0,16}".prop_map(Value::from),
    ]
}

/// [`EventMetadata`] with every field populated at random.
pub fn metadata() -> impl Strategy<Value = EventMetadata> {
    (
        event_id(),
        any::<u128>(),
        option::of(any::<u128>()),
        option::of(user_id()),
        timestamp(),
        collection::btree_map("[a-z]{1,8}", json_scalar(), 0..4),
    )
        .prop_map(|(event_id, correlation, causation, actor, at, custom)| {
            let mut builder = EventMetadata::builder()
                .event_id(event_id)
                .correlation_id(CorrelationId::from_uuid(uuid::Uuid::from_u128(correlation)))
                .timestamp(at);
            if let Some(causation) = causation {
                builder =
                    builder.causation_id(CausationId::from_uuid(uuid::Uuid::from_u128(causation)));
            }
            if let Some(actor) = actor {
                builder = builder.actor(actor);
            }
            for (key, value) in custom {
                builder = builder.custom(key, value);
            }
            builder.build()
        })
}

/// A JSON object, for payloads of arbitrary shape.
pub fn json_object() -> impl Strategy<Value = Value> {
    collection::btree_map("[a-z]{1,8}", json_scalar(), 0..6)
        .prop_map(|m| Value::Object(m.into_iter().collect::<Map<String, Value>>()))
}
