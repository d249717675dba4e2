//! Dates as Japanese documents write them: the Japanese calendar (和暦),
//! with the Western year beside it, e.g. 令和8年（2026年）12月6日.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};

/// The eras since the Gregorian calendar came into use, newest first:
/// (name, first day).
const ERAS: &[(&str, (i32, u32, u32))] = &[
    ("令和", (2019, 5, 1)),
    ("平成", (1989, 1, 8)),
    ("昭和", (1926, 12, 25)),
    ("大正", (1912, 7, 30)),
    ("明治", (1868, 1, 25)),
];

/// The era and its year of a date (the first year is 元年), or None before Meiji.
fn era(d: NaiveDate) -> Option<(&'static str, String)> {
    ERAS.iter().find_map(|(name, (y, m, day))| {
        let first = NaiveDate::from_ymd_opt(*y, *m, *day)?;
        (d >= first).then(|| {
            let year = d.year() - y + 1;
            let year = if year == 1 {
                "元".to_owned()
            } else {
                year.to_string()
            };
            (*name, year)
        })
    })
}

/// A date in the Japanese calendar with the Western year beside it.
pub fn wareki(d: NaiveDate) -> String {
    match era(d) {
        Some((name, year)) => format!(
            "{name}{year}年（{}年）{}月{}日",
            d.year(),
            d.month(),
            d.day()
        ),
        None => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
    }
}

/// An instant as a Japanese page shows it: its date in Japan in the Japanese
/// calendar, and the time.
pub fn wareki_time(at: DateTime<Utc>) -> String {
    let offset = FixedOffset::east_opt(9 * 3600).expect("JST is a valid offset");
    let local = at.with_timezone(&offset);
    format!("{} {}", wareki(local.date_naive()), local.format("%H:%M"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn each_era_begins_on_its_day_and_its_first_year_is_gannen() {
        assert_eq!(wareki(d(2026, 12, 6)), "令和8年（2026年）12月6日");
        assert_eq!(wareki(d(2019, 5, 1)), "令和元年（2019年）5月1日");
        assert_eq!(wareki(d(2019, 4, 30)), "平成31年（2019年）4月30日");
        assert_eq!(wareki(d(1989, 1, 8)), "平成元年（1989年）1月8日");
        assert_eq!(wareki(d(1989, 1, 7)), "昭和64年（1989年）1月7日");
        assert_eq!(wareki(d(1926, 12, 25)), "昭和元年（1926年）12月25日");
        assert_eq!(wareki(d(1926, 12, 24)), "大正15年（1926年）12月24日");
        assert_eq!(wareki(d(1912, 7, 29)), "明治45年（1912年）7月29日");
        assert_eq!(wareki(d(1850, 1, 1)), "1850年1月1日");
    }

    #[test]
    fn an_instant_is_dated_in_japan() {
        let at = DateTime::parse_from_rfc3339("2026-12-31T15:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(wareki_time(at), "令和9年（2027年）1月1日 00:30");
    }
}
