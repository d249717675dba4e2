//! The office's calendar. Dates on the register (registered on, received on,
//! "not in the future") are Japanese dates: Japan Standard Time is UTC+9 all
//! year, so an instant's date there is its UTC date nine hours on.

use chrono::{DateTime, Duration, NaiveDate, Utc};

/// The date in Japan at `at`.
pub fn japan_date(at: DateTime<Utc>) -> NaiveDate {
    (at + Duration::hours(9)).date_naive()
}

/// Today's date in Japan.
pub fn japan_today() -> NaiveDate {
    japan_date(Utc::now())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_japanese_date_turns_at_fifteen_hours_utc() {
        let before = Utc.with_ymd_and_hms(2026, 3, 31, 14, 59, 59).unwrap();
        let after = Utc.with_ymd_and_hms(2026, 3, 31, 15, 0, 0).unwrap();
        assert_eq!(
            japan_date(before),
            NaiveDate::from_ymd_opt(2026, 3, 31).unwrap()
        );
        assert_eq!(
            japan_date(after),
            NaiveDate::from_ymd_opt(2026, 4, 1).unwrap()
        );
    }
}
