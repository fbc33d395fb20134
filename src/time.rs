//! Timestamps: parsing RFC 3339, civil-calendar arithmetic and period labels.
//!
//! cxmine keeps every instant as [`Timestamp`], milliseconds since the Unix epoch (UTC).
//! Parsing is hand-written because it sits on the ingest hot path (one call per event);
//! it accepts RFC 3339 (`2024-03-01T10:02:13Z`, `…T10:02:13.250+01:00`) and the common
//! variant with a space instead of `T`. Instants outside [`MIN_YEAR`, `MAX_YEAR`] are
//! rejected as absurd: they are almost always a unit mistake (seconds vs milliseconds)
//! or a placeholder date, and would poison every duration computed from them.

use std::fmt;

/// Earliest year accepted in input data.
pub const MIN_YEAR: i64 = 1990;
/// Latest year accepted in input data.
pub const MAX_YEAR: i64 = 2100;

const MS_PER_DAY: i64 = 86_400_000;

/// An instant, in milliseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

/// Why a timestamp string was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeError {
    /// Not RFC 3339.
    Syntax,
    /// Well-formed but outside the accepted year range.
    Absurd,
}

impl Timestamp {
    /// Milliseconds since the epoch.
    pub fn millis(self) -> i64 {
        self.0
    }

    /// Builds a timestamp from a civil UTC date and time.
    pub fn from_civil(y: i64, m: u32, d: u32, hh: u32, mm: u32, ss: u32) -> Timestamp {
        let days = days_from_civil(y, m, d);
        Timestamp(days * MS_PER_DAY + (hh as i64 * 3600 + mm as i64 * 60 + ss as i64) * 1000)
    }

    /// Parses RFC 3339 (with `T` or a space between date and time).
    pub fn parse(s: &str) -> Result<Timestamp, TimeError> {
        parse_rfc3339(s.as_bytes())
    }

    /// The civil UTC date `(year, month, day)`.
    pub fn civil_date(self) -> (i64, u32, u32) {
        civil_from_days(self.0.div_euclid(MS_PER_DAY))
    }

    /// `YYYY-MM` of the UTC date.
    pub fn month_label(self) -> String {
        let (y, m, _) = self.civil_date();
        format!("{y:04}-{m:02}")
    }

    /// ISO 8601 week label, `YYYY-Www` (weeks start on Monday; week 1 holds the first Thursday).
    pub fn iso_week_label(self) -> String {
        let days = self.0.div_euclid(MS_PER_DAY);
        // 1970-01-01 was a Thursday; weekday 1 = Monday … 7 = Sunday.
        let weekday = (days + 3).rem_euclid(7) + 1;
        let thursday = days - weekday + 4;
        let (year, _, _) = civil_from_days(thursday);
        let week = (thursday - days_from_civil(year, 1, 1)) / 7 + 1;
        format!("{year:04}-W{week:02}")
    }

    /// Seconds elapsed from `earlier` to `self` (negative when `self` is earlier).
    pub fn seconds_since(self, earlier: Timestamp) -> f64 {
        (self.0 - earlier.0) as f64 / 1000.0
    }
}

impl fmt::Display for Timestamp {
    /// Formats as RFC 3339 in UTC, with milliseconds only when they are not zero.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d) = self.civil_date();
        let ms_of_day = self.0.rem_euclid(MS_PER_DAY);
        let secs = ms_of_day / 1000;
        let (hh, mm, ss) = (secs / 3600, secs / 60 % 60, secs % 60);
        write!(f, "{y:04}-{mo:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}")?;
        let ms = ms_of_day % 1000;
        if ms != 0 {
            write!(f, ".{ms:03}")?;
        }
        f.write_str("Z")
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Timestamp::parse(&s).map_err(|_| serde::de::Error::custom(format!("bad timestamp {s:?}")))
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Two ASCII digits at `b[at..at + 2]` (the caller has checked the length).
fn two_digits(b: &[u8], at: usize) -> Result<u32, TimeError> {
    let (hi, lo) = (b[at].wrapping_sub(b'0'), b[at + 1].wrapping_sub(b'0'));
    if hi < 10 && lo < 10 {
        Ok(u32::from(hi) * 10 + u32::from(lo))
    } else {
        Err(TimeError::Syntax)
    }
}

fn expect(b: &[u8], at: usize, want: &[u8]) -> Result<(), TimeError> {
    match b.get(at) {
        Some(c) if want.contains(c) => Ok(()),
        _ => Err(TimeError::Syntax),
    }
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn parse_rfc3339(b: &[u8]) -> Result<Timestamp, TimeError> {
    // The shortest valid form is `YYYY-MM-DDTHH:MM:SSZ`.
    if b.len() < 20 {
        return Err(TimeError::Syntax);
    }
    let year = (two_digits(b, 0)? * 100 + two_digits(b, 2)?) as i64;
    expect(b, 4, b"-")?;
    let month = two_digits(b, 5)?;
    expect(b, 7, b"-")?;
    let day = two_digits(b, 8)?;
    expect(b, 10, b"Tt ")?;
    let hour = two_digits(b, 11)?;
    expect(b, 13, b":")?;
    let minute = two_digits(b, 14)?;
    expect(b, 16, b":")?;
    let second = two_digits(b, 17)?;
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return Err(TimeError::Syntax);
    }
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        let mut scale = 100;
        while let Some(c) = b.get(i).filter(|c| c.is_ascii_digit()) {
            millis += i64::from(c - b'0') * scale;
            scale /= 10;
            i += 1;
        }
        if i == start {
            return Err(TimeError::Syntax);
        }
    }
    let offset_minutes: i64 = match b.get(i) {
        Some(b'Z' | b'z') => {
            i += 1;
            0
        }
        Some(&sign @ (b'+' | b'-')) => {
            if b.len() < i + 6 {
                return Err(TimeError::Syntax);
            }
            let oh = two_digits(b, i + 1)? as i64;
            expect(b, i + 3, b":")?;
            let om = two_digits(b, i + 4)? as i64;
            i += 6;
            if oh > 23 || om > 59 {
                return Err(TimeError::Syntax);
            }
            let total = oh * 60 + om;
            if sign == b'+' { total } else { -total }
        }
        _ => return Err(TimeError::Syntax),
    };
    if i != b.len() {
        return Err(TimeError::Syntax);
    }
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return Err(TimeError::Absurd);
    }
    let second = second.min(59); // a leap second is folded into the minute's last second
    let local = Timestamp::from_civil(year, month, day, hour, minute, second).0 + millis;
    Ok(Timestamp(local - offset_minutes * 60_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_utc_and_offsets() {
        // 2024-03-01 is day 19783 since the epoch: 19783 * 86400 = 1_709_251_200 s.
        let t = Timestamp::parse("2024-03-01T00:00:00Z").unwrap();
        assert_eq!(t.0, 1_709_251_200_000);
        let t2 = Timestamp::parse("2024-03-01T01:30:00.250+01:30").unwrap();
        assert_eq!(t2.0, 1_709_251_200_250);
        let t3 = Timestamp::parse("2024-02-29 23:00:00-01:00").unwrap();
        assert_eq!(t3, t);
    }

    #[test]
    fn rejects_bad_and_absurd() {
        for bad in [
            "",
            "2024-03-01",
            "2024-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-03-01T00:00:00",
            "2024-03-01T00:00:00Zjunk",
            "2024-03-01T24:00:00Z",
            "yesterday",
            "2024-03-01T00:00:00.Z",
        ] {
            assert_eq!(Timestamp::parse(bad), Err(TimeError::Syntax), "{bad}");
        }
        assert_eq!(
            Timestamp::parse("1970-01-01T00:00:00Z"),
            Err(TimeError::Absurd)
        );
        assert_eq!(
            Timestamp::parse("9999-01-01T00:00:00Z"),
            Err(TimeError::Absurd)
        );
    }

    #[test]
    fn labels_and_display_round_trip() {
        let t = Timestamp::parse("2024-12-30T08:05:09.007Z").unwrap();
        assert_eq!(t.to_string(), "2024-12-30T08:05:09.007Z");
        assert_eq!(t.month_label(), "2024-12");
        // 2024-12-30 is a Monday whose Thursday is 2025-01-02: ISO week 2025-W01.
        assert_eq!(t.iso_week_label(), "2025-W01");
        let sunday = Timestamp::parse("2024-03-03T12:00:00Z").unwrap();
        assert_eq!(sunday.iso_week_label(), "2024-W09");
        for days in [-1000, 0, 59, 60, 365, 19_783, 40_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
