//! Serde's names for an event enum's variants, and the variant data alone.
//!
//! Serde writes an enum variant as `{"Variant":data}` (`"Variant"` for a
//! unit variant). Stores keep the data alone, with the event type name as
//! the one discriminator, so that renaming a variant in code never breaks a
//! stored payload. These helpers take serde's tag off on the way in and put
//! the current one back on the way out.

use std::{fmt, ops::Range};

use serde::de::{
    self, Deserialize, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, VariantAccess,
    Visitor, value::BorrowedStrDeserializer,
};
use serde_json::de::StrRead;

/// Serde's variant names for `E`, in declaration order, when `E` is an
/// externally tagged enum (serde's default). `None` for any other shape (a
/// struct, a newtype, an internally tagged or untagged enum): such a type's
/// payload is stored as serde writes it.
pub(super) fn serde_variants<'de, E: Deserialize<'de>>() -> Option<&'static [&'static str]> {
    match E::deserialize(Probe) {
        Err(ProbeEnd::Enum(variants)) => Some(variants),
        Err(ProbeEnd::Other) | Ok(_) => None,
    }
}

/// Where the variant data sits in serde's form of a variant.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Data {
    /// A unit variant (`"Tag"`): its data is `null`.
    Unit,
    /// The data in `{"Tag":data}`, as a byte range of the form.
    Within(Range<usize>),
}

impl Data {
    /// The data of `json`, in place: no new allocation for a non-unit
    /// variant.
    /// The data in `json`, borrowed.
    pub(super) fn of(self, json: &str) -> &str {
        match self {
            Self::Unit => "null",
            Self::Within(range) => &json[range],
        }
    }

    #[cfg(test)]
    pub(super) fn take(self, mut json: String) -> String {
        match self {
            Self::Unit => "null".to_owned(),
            Self::Within(range) => {
                json.truncate(range.end);
                json.drain(..range.start);
                json
            }
        }
    }
}

/// The variant data inside serde's form `json` of the variant `tag`:
/// `{"tag":data}` or `"tag"` (a unit variant). `None` when `json` has
/// another shape.
pub(super) fn data_of(json: &str, tag: &str) -> Option<Data> {
    // A tag needing no escape is compared in place; others are escaped.
    let plain = tag.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\');
    let escaped;
    let quoted_tag = if plain {
        tag
    } else {
        escaped = serde_json::to_string(tag).ok()?;
        escaped.get(1..escaped.len() - 1)?
    };
    if after_quoted(json, quoted_tag) == Some("") {
        return Some(Data::Unit);
    }
    let data = after_quoted(json.strip_prefix('{')?, quoted_tag)?
        .strip_prefix(':')?
        .strip_suffix('}')?;
    let start = json.len() - data.len() - 1;
    Some(Data::Within(start..start + data.len()))
}

/// What follows `"tag"` at the start of `text`.
fn after_quoted<'a>(text: &'a str, quoted_tag: &str) -> Option<&'a str> {
    text.strip_prefix('"')?
        .strip_prefix(quoted_tag)?
        .strip_prefix('"')
}

/// The variant data inside serde's form `json` of any variant: `{"Tag":
/// data}` or `"Tag"`, whatever the tag. For payloads stored before schema
/// versions, whose tag may name a variant the code has since renamed.
pub(super) fn data_of_any(json: &str) -> Option<&str> {
    let json = json.trim();
    if json.starts_with('"') {
        return serde_json::from_str::<de::IgnoredAny>(json)
            .ok()
            .map(|_| "null");
    }
    let rest = json.strip_prefix('{')?.trim_start();
    let tag_len = json_string_len(rest)?;
    let data = rest
        .get(tag_len..)?
        .trim_start()
        .strip_prefix(':')?
        .strip_suffix('}')?
        .trim();
    Some(data)
}

/// The length of the JSON string literal at the start of `text`.
fn json_string_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    if bytes.first() != Some(&b'"') {
        return None;
    }
    let mut at = 1;
    while let Some(byte) = bytes.get(at) {
        match byte {
            b'\\' => at += 2,
            b'"' => return Some(at + 1),
            _ => at += 1,
        }
    }
    None
}

/// Decodes `E` from `data`, the stored data of the variant whose serde tag
/// is `tag`, as serde would decode `{"tag":data}`, without building that
/// text: the variant comes from `tag`, its content from `data`.
pub(super) fn from_data<E: DeserializeOwned>(
    tag: &'static str,
    data: &str,
) -> Result<E, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(data);
    let value = E::deserialize(WithTag { tag, de: &mut de })?;
    de.end()?;
    Ok(value)
}

/// A deserializer for the variant `tag` whose content is read from `de`.
struct WithTag<'a, 'de> {
    tag: &'static str,
    de: &'a mut serde_json::Deserializer<StrRead<'de>>,
}

impl<'de> Deserializer<'de> for WithTag<'_, 'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.de.deserialize_any(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_enum(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

impl<'de> EnumAccess<'de> for WithTag<'_, 'de> {
    type Error = serde_json::Error;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self), Self::Error> {
        let variant =
            seed.deserialize(BorrowedStrDeserializer::<serde_json::Error>::new(self.tag))?;
        Ok((variant, self))
    }
}

impl<'de> VariantAccess<'de> for WithTag<'_, 'de> {
    type Error = serde_json::Error;

    fn unit_variant(self) -> Result<(), Self::Error> {
        <()>::deserialize(&mut *self.de)
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<S::Value, Self::Error> {
        seed.deserialize(&mut *self.de)
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        Deserializer::deserialize_tuple(&mut *self.de, len, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        Deserializer::deserialize_struct(&mut *self.de, "", fields, visitor)
    }
}

/// A deserializer that reads nothing: it ends every request with an error
/// that says whether the type asked for an enum, and with which variants.
struct Probe;

#[derive(Debug)]
enum ProbeEnd {
    Enum(&'static [&'static str]),
    Other,
}

impl fmt::Display for ProbeEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("probing the shape of an event type")
    }
}

impl std::error::Error for ProbeEnd {}

impl de::Error for ProbeEnd {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Self::Other
    }
}

impl<'de> Deserializer<'de> for Probe {
    type Error = ProbeEnd;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, ProbeEnd> {
        Err(ProbeEnd::Other)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        variants: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, ProbeEnd> {
        Err(ProbeEnd::Enum(variants))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::{Data, data_of, data_of_any, from_data, serde_variants};

    #[derive(Debug, PartialEq, Deserialize)]
    enum Shapes {
        Unit,
        #[serde(rename = "renamed")]
        Newtype(u8),
        Tuple(u8, u8),
        Struct {
            a: u8,
        },
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(tag = "type")]
    enum Internal {
        A { a: u8 },
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Plain {
        a: u8,
    }

    #[test]
    fn externally_tagged_enums_give_serde_names_in_order() {
        assert_eq!(
            serde_variants::<Shapes>(),
            Some(&["Unit", "renamed", "Tuple", "Struct"][..])
        );
    }

    #[test]
    fn the_probed_types_decode_as_serde_says() -> Result<(), serde_json::Error> {
        // The probe's answers describe these types' real forms.
        let decoded: Vec<Shapes> =
            serde_json::from_str(r#"["Unit",{"renamed":1},{"Tuple":[1,2]},{"Struct":{"a":3}}]"#)?;
        assert_eq!(
            decoded,
            [
                Shapes::Unit,
                Shapes::Newtype(1),
                Shapes::Tuple(1, 2),
                Shapes::Struct { a: 3 }
            ]
        );
        let internal: Internal = serde_json::from_str(r#"{"type":"A","a":1}"#)?;
        assert_eq!(internal, Internal::A { a: 1 });
        assert_eq!(serde_json::from_str::<Plain>(r#"{"a":2}"#)?, Plain { a: 2 });
        Ok(())
    }

    #[test]
    fn other_shapes_have_no_variants() {
        assert_eq!(serde_variants::<Internal>(), None);
        assert_eq!(serde_variants::<Plain>(), None);
        assert_eq!(serde_variants::<u64>(), None);
    }

    #[test]
    fn tags_come_off_and_go_back_on_for_every_shape() -> Result<(), serde_json::Error> {
        for (json, data) in [
            (r#"{"A":{"x":1}}"#, r#"{"x":1}"#),
            (r#"{"A":[1,2]}"#, "[1,2]"),
            (r#"{"A":7}"#, "7"),
            (r#"{"A":"{\"A\":1}"}"#, r#""{\"A\":1}""#),
        ] {
            let at = data_of(json, "A");
            assert_eq!(
                at.map(|at| at.take(json.to_owned())).as_deref(),
                Some(data),
                "{json}"
            );
            assert_eq!(data_of_any(json), Some(data), "{json}");
            // Back on: the data decodes as serde decodes the tagged form.
            let tagged: serde_json::Value = serde_json::from_str(json)?;
            let untagged: serde_json::Value = from_data_value("A", data)?;
            assert_eq!(untagged, tagged["A"], "{json}");
        }
        assert_eq!(data_of(r#""A""#, "A"), Some(Data::Unit));
        assert_eq!(data_of(r#"{"B":1}"#, "A"), None);
        assert_eq!(data_of(r#"{"AB":1}"#, "A"), None);
        assert_eq!(data_of("[1]", "A"), None);
        // A tag that JSON escapes is compared escaped.
        let escaped = r#"{"a\"b":[1]}"#;
        assert_eq!(
            data_of(escaped, "a\"b").map(|at| at.take(escaped.to_owned())),
            Some("[1]".to_owned())
        );
        assert_eq!(data_of(r#""a\"b""#, "a\"b"), Some(Data::Unit));
        Ok(())
    }

    /// The content `from_data` hands to a newtype variant, as a value.
    fn from_data_value(
        tag: &'static str,
        data: &str,
    ) -> Result<serde_json::Value, serde_json::Error> {
        #[derive(serde::Deserialize)]
        enum One {
            A(serde_json::Value),
        }
        let One::A(value) = from_data::<One>(tag, data)?;
        Ok(value)
    }

    #[test]
    fn data_decodes_as_its_tagged_form_for_every_shape() -> Result<(), serde_json::Error> {
        assert_eq!(from_data::<Shapes>("Unit", "null")?, Shapes::Unit);
        assert_eq!(from_data::<Shapes>("renamed", "7")?, Shapes::Newtype(7));
        assert_eq!(from_data::<Shapes>("Tuple", "[1,2]")?, Shapes::Tuple(1, 2));
        assert_eq!(
            from_data::<Shapes>("Struct", r#" {"a":3} "#)?,
            Shapes::Struct { a: 3 }
        );
        assert!(
            from_data::<Shapes>("Struct", r#"{"a":3} x"#).is_err(),
            "trailing text"
        );
        assert!(from_data::<Shapes>("Nope", "null").is_err(), "unknown tag");
        assert!(from_data::<Shapes>("Unit", "1").is_err(), "unit takes null");
        Ok(())
    }

    #[test]
    fn any_tag_comes_off_legacy_payloads() {
        let spaced = r#" { "Old\"Name" : { "x" : 1 } } "#;
        assert_eq!(data_of_any(spaced), Some(r#"{ "x" : 1 }"#));
        assert_eq!(data_of_any(r#""Unit""#), Some("null"));
        assert_eq!(data_of_any("[1]"), None);
        assert_eq!(data_of_any(r#"{"unterminated:1}"#), None);
    }
}
