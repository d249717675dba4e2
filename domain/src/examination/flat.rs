//! The examination's events stored flat among a case's own: a registration
//! stores `{"FeeAssessed": {..}}` beside `{"ApplicationSubmitted": {..}}`.
//!
//! They are read tag first: the event's one key says which enum decodes its
//! value. serde's `#[serde(untagged)]` variant, which stored them so, reads
//! every event into a buffered tree first and then tries each enum on it:
//! ten times the cost of the JSON itself, most of a view's rebuild.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::OnceLock;

use serde::de::value::StrDeserializer;
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, VariantAccess,
    Visitor,
};
use serde::Deserialize;

use super::ExaminationEvent;

/// A case's event enum that stores the examination's events flat. It
/// derives its (de)serialization with `#[serde(remote = "Self")]` for its
/// own events and keeps the examination's in a skipped variant;
/// [`stored_flat!`] then implements `Serialize` and `Deserialize`.
pub(crate) trait StoredFlat: Sized + From<ExaminationEvent> {
    /// Decodes one of the case's own events (the derived code).
    fn deserialize_own<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
}

/// `Serialize` and `Deserialize` for `$event`, a [`StoredFlat`] enum whose
/// `Examination` variant holds the examination's events.
macro_rules! stored_flat {
    ($event:ident) => {
        impl $crate::examination::flat::StoredFlat for $event {
            fn deserialize_own<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                // The inherent function: the derived code (`remote = "Self"`).
                $event::deserialize(d)
            }
        }

        impl From<$crate::examination::ExaminationEvent> for $event {
            fn from(e: $crate::examination::ExaminationEvent) -> Self {
                $event::Examination(e)
            }
        }

        impl serde::Serialize for $event {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self {
                    $event::Examination(e) => e.serialize(s),
                    own => $event::serialize(own, s),
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $event {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::examination::flat::deserialize(d)
            }
        }
    };
}
pub(crate) use stored_flat;

/// Decodes a `T` event: its tag read first, then its value decoded directly
/// as the examination's event or as one of `T`'s own.
pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: StoredFlat>(d: D) -> Result<T, D::Error> {
    d.deserialize_map(TagFirst(PhantomData))
}

/// The tags of the examination's events, as serde names them (asked of its
/// derived code once, so that a new event needs no list kept by hand).
fn examination_tags() -> &'static [&'static str] {
    static TAGS: OnceLock<&'static [&'static str]> = OnceLock::new();
    TAGS.get_or_init(|| {
        let mut probe = TagProbe(&[]);
        let _ = ExaminationEvent::deserialize(&mut probe);
        probe.0
    })
}

/// Reads an event's tag, then the event.
struct TagFirst<T>(PhantomData<T>);

impl<'de, T: StoredFlat> Visitor<'de> for TagFirst<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an event: a map with one key, the event's type")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let Some(Tag(tag)) = map.next_key()? else {
            return Err(de::Error::invalid_length(0, &self));
        };
        let tagged = Tagged {
            tag: tag.as_ref(),
            map: &mut map,
            de: PhantomData,
        };
        let event = if examination_tags().contains(&tag.as_ref()) {
            ExaminationEvent::deserialize(tagged)?.into()
        } else {
            T::deserialize_own(tagged)?
        };
        if map.next_key::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_length(2, &self));
        }
        Ok(event)
    }
}

/// An event's tag, borrowed from the input when it can be.
struct Tag<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Tag<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TagVisitor;
        impl<'de> Visitor<'de> for TagVisitor {
            type Value = Tag<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an event's type")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Tag<'de>, E> {
                Ok(Tag(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Tag<'de>, E> {
                Ok(Tag(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(TagVisitor)
    }
}

/// An externally tagged enum whose tag was read already: the tag, and the
/// map its value comes next in.
struct Tagged<'a, 'de, A> {
    tag: &'a str,
    map: &'a mut A,
    de: PhantomData<&'de ()>,
}

impl<'de, A: MapAccess<'de>> Deserializer<'de> for Tagged<'_, 'de, A> {
    type Error = A::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
        visitor.visit_enum(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

impl<'a, 'de, A: MapAccess<'de>> EnumAccess<'de> for Tagged<'a, 'de, A> {
    type Error = A::Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), A::Error> {
        let tag: StrDeserializer<'a, A::Error> = self.tag.into_deserializer();
        Ok((seed.deserialize(tag)?, self))
    }
}

impl<'de, A: MapAccess<'de>> VariantAccess<'de> for Tagged<'_, 'de, A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.map.next_value()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.map.next_value_seed(seed)
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(Body::Tuple(len, visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(Body::Struct(fields, visitor))
    }
}

/// A variant's value: what `visitor` reads.
enum Body<V> {
    Tuple(usize, V),
    Struct(&'static [&'static str], V),
}

impl<'de, V: Visitor<'de>> DeserializeSeed<'de> for Body<V> {
    type Value = V::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        match self {
            Body::Tuple(len, visitor) => d.deserialize_tuple(len, visitor),
            Body::Struct(fields, visitor) => d.deserialize_struct("", fields, visitor),
        }
    }
}

/// A deserializer that only notes the variants an enum's derived code names.
struct TagProbe(&'static [&'static str]);

impl<'de> Deserializer<'de> for &mut TagProbe {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("only an enum's variants are asked"))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        variants: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        self.0 = variants;
        Err(de::Error::custom("only the variants were asked"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}
