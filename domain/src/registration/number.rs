//! Registration numbers as the registers write them. Each qualification of
//! the catalogue has a format (a regular expression, published) and a series:
//! national numbers are digits from one counter per qualification (certified
//! care workers: `0000042`); prefectural numbers carry the registering
//! prefecture and count per prefecture (nursery teachers: `東京都-012345`).

use std::fmt;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::{Applicant, QualificationRegistration, RegistrationEvent, RegistrationServices};
use crate::catalogue::Qualification;
use crate::examination::ExaminationEvent;
use crate::DomainError;

/// The 47 prefectures, as they begin an address.
pub const PREFECTURES: [&str; 47] = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
];

/// Digits of a prefectural number after the prefecture and the hyphen.
const PREFECTURAL_DIGITS: usize = 6;

/// A qualification's registration-number format: a regular expression that
/// matches a whole number.
#[derive(Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NumberFormat(Regex);

impl NumberFormat {
    /// Compiles a format; it must be anchored at both ends (`^...$`).
    pub fn parse(pattern: &str) -> Result<Self, String> {
        if !(pattern.starts_with('^') && pattern.ends_with('$')) {
            return Err(format!("format {pattern} must be anchored with ^ and $"));
        }
        Regex::new(pattern)
            .map(Self)
            .map_err(|e| format!("format {pattern}: {e}"))
    }

    /// The regular expression as published.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Whether `number` is written in this format.
    pub fn matches(&self, number: &str) -> bool {
        self.0.is_match(number)
    }
}

impl TryFrom<String> for NumberFormat {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<NumberFormat> for String {
    fn from(f: NumberFormat) -> String {
        f.as_str().to_owned()
    }
}

impl fmt::Debug for NumberFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NumberFormat({})", self.as_str())
    }
}

impl PartialEq for NumberFormat {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for NumberFormat {}

/// How new numbers of a qualification are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NumberSeries {
    /// One counter per qualification; the number is its digits.
    National,
    /// One counter per qualification and prefecture; `東京都-012345`.
    Prefecture,
}

impl NumberSeries {
    /// Parses the catalogue's stable name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "NATIONAL" => Some(Self::National),
            "PREFECTURE" => Some(Self::Prefecture),
            _ => None,
        }
    }

    /// The catalogue's stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::National => "NATIONAL",
            Self::Prefecture => "PREFECTURE",
        }
    }
}

/// The prefecture an address (or registered domicile) begins with.
pub fn prefecture_of(address: &str) -> Option<&'static str> {
    PREFECTURES
        .into_iter()
        .find(|p| address.trim_start().starts_with(p))
}

/// Where a new number is taken from: the counter's key, and the prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    /// The counter: the qualification's code, or `CODE/prefecture`.
    pub counter: String,
    prefecture: Option<&'static str>,
}

impl Qualification {
    /// Whether `number` is written in this qualification's format.
    pub fn accepts_number(&self, number: &str) -> bool {
        self.registration_number_format.matches(number)
    }

    /// The counter a new registration of `applicant` takes its number from:
    /// a prefectural number is that of the prefecture they live in (or, when
    /// the address names none, of their registered domicile).
    pub fn allocation(&self, applicant: &Applicant) -> Result<Allocation, DomainError> {
        let prefecture = match self.registration_number_series {
            NumberSeries::National => None,
            NumberSeries::Prefecture => Some(
                prefecture_of(&applicant.address)
                    .or_else(|| prefecture_of(&applicant.registered_domicile))
                    .ok_or(DomainError::PrefectureUnknown)?,
            ),
        };
        Ok(Allocation {
            counter: match prefecture {
                Some(p) => format!("{}/{p}", self.code),
                None => self.code.clone(),
            },
            prefecture,
        })
    }

    /// The number made of a counter's value (`digits`, as the allocator
    /// returns it); refused unless it is in the qualification's format.
    pub fn compose_number(
        &self,
        allocation: &Allocation,
        digits: &str,
    ) -> Result<String, DomainError> {
        let number = match allocation.prefecture {
            None => digits.to_owned(),
            Some(p) => {
                let n: u64 = digits.parse().map_err(|_| DomainError::Allocation)?;
                format!("{p}-{n:0PREFECTURAL_DIGITS$}")
            }
        };
        if self.accepts_number(&number) {
            Ok(number)
        } else {
            Err(DomainError::Allocation)
        }
    }

    /// The counter an existing (imported) number belongs to and its value
    /// there, so that new numbers never repeat it.
    pub fn counted_as(&self, number: &str) -> Option<(String, i64)> {
        match self.registration_number_series {
            NumberSeries::National => Some((self.code.clone(), number.parse().ok()?)),
            NumberSeries::Prefecture => {
                let (prefecture, digits) = number.split_once('-')?;
                Some((format!("{}/{prefecture}", self.code), digits.parse().ok()?))
            }
        }
    }
}

impl QualificationRegistration {
    /// The registration that follows an approval, with a fresh number.
    pub(super) async fn register(
        &self,
        services: &RegistrationServices,
        approval: &[RegistrationEvent],
    ) -> Result<RegistrationEvent, DomainError> {
        let at = approval
            .iter()
            .find_map(|e| match e {
                RegistrationEvent::Examination(ExaminationEvent::DecisionApproved {
                    at, ..
                }) => Some(*at),
                _ => None,
            })
            .ok_or(DomainError::NoProposal)?;
        let applicant = self.applicant.as_ref().ok_or(DomainError::NotFound)?;
        let qualification = services
            .catalogue
            .qualification(&self.qualification_code)
            .ok_or(DomainError::UnknownQualification)?;
        let allocation = qualification.allocation(applicant)?;
        let digits = services.numbers.next(&allocation.counter).await?;
        let registration_number = qualification.compose_number(&allocation, &digits)?;
        let registered_on = crate::calendar::japan_date(at);
        Ok(RegistrationEvent::Registered {
            qualification_code: self.qualification_code.clone(),
            registration_number,
            registered_on,
            family_name: applicant.family_name.clone(),
            given_name: applicant.given_name.clone(),
            valid_until: qualification
                .validity_years
                .map(|years| super::validity::valid_until(registered_on, years)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qualification(series: NumberSeries, format: &str) -> Qualification {
        Qualification::bare("Q", NumberFormat::parse(format).unwrap(), series)
    }

    fn applicant(address: &str, domicile: &str) -> Applicant {
        Applicant {
            family_name: "山田".into(),
            given_name: "花子".into(),
            family_name_kana: "ヤマダ".into(),
            given_name_kana: "ハナコ".into(),
            date_of_birth: chrono::NaiveDate::from_ymd_opt(1990, 4, 1).unwrap(),
            address: address.into(),
            registered_domicile: domicile.into(),
            email: String::new(),
            exam_pass_number: String::new(),
            preferred_language: Default::default(),
            nationality: None,
        }
    }

    #[test]
    fn prefectural_numbers_carry_the_prefecture_and_count_per_prefecture() {
        let pattern = format!("^({})-[0-9]{{6}}$", PREFECTURES.join("|"));
        let q = qualification(NumberSeries::Prefecture, &pattern);
        assert!(q.accepts_number("東京都-012345"));
        assert!(!q.accepts_number("012345"));
        assert!(!q.accepts_number("東京-012345"));
        let a = q.allocation(&applicant("大阪府大阪市北区1-1", "")).unwrap();
        assert_eq!(a.counter, "Q/大阪府");
        assert_eq!(q.compose_number(&a, "0000042").unwrap(), "大阪府-000042");
        assert_eq!(
            q.counted_as("東京都-012345"),
            Some(("Q/東京都".into(), 12345))
        );
        let a = q.allocation(&applicant("Paris", "沖縄県那覇市")).unwrap();
        assert_eq!(a.counter, "Q/沖縄県");
        assert_eq!(
            q.allocation(&applicant("Paris", "Lyon")),
            Err(DomainError::PrefectureUnknown)
        );
        assert_eq!(
            q.compose_number(&a, "1234567"),
            Err(DomainError::Allocation),
            "a counter past the format's digits allocates nothing malformed"
        );
    }

    #[test]
    fn national_numbers_are_digits() {
        let q = qualification(NumberSeries::National, "^[0-9]{1,10}$");
        assert!(q.accepts_number("0000042"));
        assert!(!q.accepts_number("00000x2"));
        assert!(!q.accepts_number("東京都-012345"));
        let a = q.allocation(&applicant("x", "y")).unwrap();
        assert_eq!(a.counter, "Q");
        assert_eq!(q.compose_number(&a, "0000042").unwrap(), "0000042");
        assert_eq!(q.counted_as("0100001"), Some(("Q".into(), 100001)));
        assert!(NumberFormat::parse("[0-9]+").is_err(), "unanchored");
    }
}
