//! The My Number (individual number): a 12-digit number with a check digit.
//! Its use is restricted by law, so the type never prints its digits.

use std::fmt;

/// A validated My Number. `Debug` and `Display` redact it.
#[derive(Clone, PartialEq, Eq)]
pub struct MyNumber(String);

/// Why a string is not a My Number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MyNumberError {
    #[error("a My Number has exactly 12 digits")]
    Format,
    #[error("the check digit does not match")]
    CheckDigit,
}

impl MyNumber {
    /// Validates length, digits and the check digit.
    pub fn parse(s: &str) -> Result<Self, MyNumberError> {
        if s.len() != 12 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MyNumberError::Format);
        }
        let digits: Vec<u32> = s.bytes().map(|b| u32::from(b - b'0')).collect();
        if check_digit(&digits[..11]) != digits[11] {
            return Err(MyNumberError::CheckDigit);
        }
        Ok(MyNumber(s.to_owned()))
    }

    /// The digits, for the vault only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The check digit over 11 base digits: weights 2..7,2..6 taken from the right.
pub fn check_digit(base: &[u32]) -> u32 {
    let sum: u32 = base
        .iter()
        .rev()
        .enumerate()
        .map(|(n, d)| d * if n < 6 { n as u32 + 2 } else { n as u32 - 4 })
        .sum();
    let r = sum % 11;
    if r <= 1 {
        0
    } else {
        11 - r
    }
}

/// Completes 11 base digits into a valid number (for fixtures and tests).
pub fn with_check_digit(base: &str) -> String {
    let digits: Vec<u32> = base.bytes().map(|b| u32::from(b - b'0')).collect();
    format!("{base}{}", check_digit(&digits))
}

impl fmt::Debug for MyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MyNumber(<redacted>)")
    }
}

impl fmt::Display for MyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn design_example_gets_check_digit_8() {
        assert_eq!(with_check_digit("12345678901"), "123456789018");
        assert!(MyNumber::parse("123456789018").is_ok());
    }

    #[test]
    fn wrong_check_digit_and_format_are_refused() {
        assert_eq!(
            MyNumber::parse("123456789017"),
            Err(MyNumberError::CheckDigit)
        );
        assert_eq!(MyNumber::parse("12345678901"), Err(MyNumberError::Format));
        assert_eq!(MyNumber::parse("12345678901a"), Err(MyNumberError::Format));
    }

    #[test]
    fn never_printed() {
        let n = MyNumber::parse("123456789018").unwrap();
        assert!(!format!("{n:?} {n}").contains("1234"));
    }
}
