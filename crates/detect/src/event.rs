//! The event the engine sees: flat field/value pairs (nested keys joined with `.`), a log source
//! and a time. Values are text; numbers and booleans are written as JSON writes them; a JSON
//! array gives the field once per element, so "any value matches" holds for lists.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// The log source of an event as far as it is known; `None` = unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct EventSource {
    pub product: Option<Cow<'static, str>>,
    pub category: Option<Cow<'static, str>>,
    pub service: Option<Cow<'static, str>>,
}

impl EventSource {
    pub fn is_unknown(&self) -> bool {
        self.product.is_none() && self.category.is_none() && self.service.is_none()
    }
}

#[derive(Debug, Clone, Default)]
pub struct Event<'a> {
    pub fields: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    pub source: EventSource,
    /// Unix milliseconds, for correlation windows.
    pub time_ms: Option<i64>,
}

impl<'a> Event<'a> {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == field)
            .map(|(_, v)| v.as_ref())
    }

    pub fn push(&mut self, k: impl Into<Cow<'a, str>>, v: impl Into<Cow<'a, str>>) {
        self.fields.push((k.into(), v.into()));
    }

    /// Reads one JSON object (a JSON line) without building a `serde_json::Value`: strings
    /// without escapes are borrowed from the line.
    pub fn from_json(line: &'a str) -> Result<Event<'a>, serde_json::Error> {
        let mut ev = Event {
            fields: Vec::with_capacity(32),
            ..Event::default()
        };
        let mut de = serde_json::Deserializer::from_str(line);
        Flatten {
            prefix: None,
            out: &mut ev.fields,
        }
        .deserialize(&mut de)?;
        de.end()?;
        Ok(ev)
    }

    /// An owned copy, for keeping beyond the input buffer.
    pub fn into_owned(self) -> Event<'static> {
        Event {
            fields: self
                .fields
                .into_iter()
                .map(|(k, v)| (Cow::Owned(k.into_owned()), Cow::Owned(v.into_owned())))
                .collect(),
            source: self.source,
            time_ms: self.time_ms,
        }
    }
}

struct Flatten<'p, 'o, 'a> {
    prefix: Option<&'p str>,
    out: &'o mut Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

fn join<'a>(prefix: Option<&str>, key: Cow<'a, str>) -> Cow<'a, str> {
    match prefix {
        None => key,
        Some(p) => Cow::Owned(format!("{p}.{key}")),
    }
}

impl<'de, 'p, 'o> DeserializeSeed<'de> for Flatten<'p, 'o, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(ObjectVisitor(self))
    }
}

struct ObjectVisitor<'p, 'o, 'a>(Flatten<'p, 'o, 'a>);

impl<'de, 'p, 'o> Visitor<'de> for ObjectVisitor<'p, 'o, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Flatten { prefix, out } = self.0;
        while let Some(key) = map.next_key::<CowStr<'de>>()? {
            let name = join(prefix, key.0);
            map.next_value_seed(ValueSeed { name, out })?;
        }
        Ok(())
    }
}

/// A string key or value, borrowed when the JSON has no escapes in it.
struct CowStr<'a>(Cow<'a, str>);

impl<'de> de::Deserialize<'de> for CowStr<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CowStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

struct ValueSeed<'o, 'a> {
    name: Cow<'a, str>,
    out: &'o mut Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl<'de, 'o> DeserializeSeed<'de> for ValueSeed<'o, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, 'o> Visitor<'de> for ValueSeed<'o, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<(), E> {
        self.out.push((self.name, Cow::Borrowed(v)));
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.out.push((self.name, Cow::Owned(v.to_string())));
        Ok(())
    }
    fn visit_string<E>(self, v: String) -> Result<(), E> {
        self.out.push((self.name, Cow::Owned(v)));
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.out.push((self.name, Cow::Owned(v.to_string())));
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.out.push((self.name, Cow::Owned(v.to_string())));
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        self.out.push((self.name, Cow::Owned(v.to_string())));
        Ok(())
    }
    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.out
            .push((self.name, Cow::Borrowed(if v { "true" } else { "false" })));
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        // JSON null: present but empty, which `Field: null` matches.
        self.out.push((self.name, Cow::Borrowed("")));
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let ValueSeed { name, out } = self;
        ObjectVisitor(Flatten {
            prefix: Some(&name),
            out,
        })
        .visit_map(map)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let ValueSeed { name, out } = self;
        while seq
            .next_element_seed(ValueSeed {
                name: name.clone(),
                out,
            })?
            .is_some()
        {}
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattens_and_borrows() {
        let line = r#"{"EventID": 4688, "Image": "C:\\x.exe", "a": {"b": {"c": true}}, "l": [1, "two"], "n": null}"#;
        let ev = Event::from_json(line).expect("json");
        assert_eq!(ev.get("EventID"), Some("4688"));
        assert_eq!(ev.get("Image"), Some("C:\\x.exe"));
        assert_eq!(ev.get("a.b.c"), Some("true"));
        let l: Vec<_> = ev.fields.iter().filter(|(k, _)| k == "l").collect();
        assert_eq!(l.len(), 2);
        assert_eq!(ev.get("n"), Some(""));
        assert!(Event::from_json("[1]").is_err());
        assert!(Event::from_json("{\"a\": 1} x").is_err());
    }
}
