//! Request fields that carry a My Number before it is validated and sealed in
//! the vault. Request structs derive `Debug` for diagnostics, so the number
//! itself must not: a stray `{:?}` in a log line would leak it.

use std::fmt;

use serde::Deserialize;

/// A My Number as the request wrote it; `Debug` prints it redacted.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct MyNumberField(String);

impl MyNumberField {
    /// The text to validate (`domain::my_number::MyNumber::parse`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for MyNumberField {
    fn from(text: String) -> Self {
        Self(text)
    }
}

impl fmt::Debug for MyNumberField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_number() {
        let field: MyNumberField = serde_json::from_str(r#""123456789018""#).unwrap();
        assert_eq!(field.as_str(), "123456789018");
        let printed = format!("{field:?} {:?}", vec![field.clone()]);
        assert!(!printed.contains("123456789018"), "{printed}");
    }
}
