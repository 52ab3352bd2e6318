//! Date algorithms (ES §21.4): time values, the local time zone, `Date.parse`, and the string
//! forms of dates.
//!
//! A time value is an `f64` count of milliseconds since 1970-01-01T00:00:00Z, or NaN for an
//! invalid date. Functions that depend on the local time zone take a [`Zone`]; the VM passes
//! [`Zone::local()`], tests pass a fixed zone.

use std::sync::OnceLock;

use crate::number::to_integer_or_infinity;

/// ms per day (ES §21.4.1.3).
pub const MS_PER_DAY: f64 = 86_400_000.0;
/// ms per hour.
pub const MS_PER_HOUR: f64 = 3_600_000.0;
/// ms per minute.
pub const MS_PER_MINUTE: f64 = 60_000.0;
/// ms per second.
pub const MS_PER_SECOND: f64 = 1_000.0;
/// The largest magnitude of a time value (ES §21.4.1.31): 100,000,000 days.
pub const MAX_TIME: f64 = 8.64e15;

// ---------------------------------------------------------------------------------------------
// Time value arithmetic (ES §21.4.1.3 – §21.4.1.31)
// ---------------------------------------------------------------------------------------------

/// Day(t): the day number containing `t`.
pub fn day(t: f64) -> f64 {
    (t / MS_PER_DAY).floor()
}

/// TimeWithinDay(t): milliseconds since the start of the day.
pub fn time_within_day(t: f64) -> f64 {
    t.rem_euclid(MS_PER_DAY)
}

/// DaysInYear(y).
pub fn days_in_year(y: f64) -> f64 {
    if y % 4.0 != 0.0 {
        365.0
    } else if y % 100.0 != 0.0 {
        366.0
    } else if y % 400.0 != 0.0 {
        365.0
    } else {
        366.0
    }
}

/// DayFromYear(y): the day number of the first day of year `y`.
pub fn day_from_year(y: f64) -> f64 {
    365.0 * (y - 1970.0) + ((y - 1969.0) / 4.0).floor() - ((y - 1901.0) / 100.0).floor()
        + ((y - 1601.0) / 400.0).floor()
}

/// TimeFromYear(y).
pub fn time_from_year(y: f64) -> f64 {
    MS_PER_DAY * day_from_year(y)
}

/// Converts a day number to (year, month 1..=12, day 1..=31) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`, exact for any i64 day within range).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The day number of (year, month 1..=12, day 1..=31) (Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The calendar fields of a finite time value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fields {
    pub year: i64,
    /// 0..=11, as MonthFromTime.
    pub month: u32,
    /// 1..=31, as DateFromTime.
    pub date: u32,
    /// 0 (Sunday) ..= 6, as WeekDay.
    pub week_day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub millisecond: u32,
}

/// All calendar fields of `t` at once; `None` for NaN or an infinite value.
pub fn fields(t: f64) -> Option<Fields> {
    let d = day(t);
    // Time values are within ±1e8 days; the bound keeps the day arithmetic below from
    // overflowing on whatever unclipped value a caller passes.
    if !d.is_finite() || d.abs() > 1e12 {
        return None;
    }
    // The day number of any time value (even before TimeClip) fits in i64.
    let (year, month, date) = civil_from_days(d as i64);
    let ms = time_within_day(t) as u32;
    Some(Fields {
        year,
        month: month - 1,
        date,
        week_day: week_day(t) as u32,
        hour: ms / 3_600_000,
        minute: ms / 60_000 % 60,
        second: ms / 1000 % 60,
        millisecond: ms % 1000,
    })
}

/// YearFromTime(t) (NaN for NaN).
pub fn year_from_time(t: f64) -> f64 {
    fields(t).map_or(f64::NAN, |f| f.year as f64)
}

/// InLeapYear(t): 1 in a leap year, else 0.
pub fn in_leap_year(t: f64) -> f64 {
    if days_in_year(year_from_time(t)) == 366.0 {
        1.0
    } else {
        0.0
    }
}

/// MonthFromTime(t): 0..=11.
pub fn month_from_time(t: f64) -> f64 {
    fields(t).map_or(f64::NAN, |f| f64::from(f.month))
}

/// DateFromTime(t): 1..=31.
pub fn date_from_time(t: f64) -> f64 {
    fields(t).map_or(f64::NAN, |f| f64::from(f.date))
}

/// WeekDay(t): 0 (Sunday) ..= 6.
pub fn week_day(t: f64) -> f64 {
    (day(t) + 4.0).rem_euclid(7.0)
}

/// HourFromTime(t).
pub fn hour_from_time(t: f64) -> f64 {
    (t / MS_PER_HOUR).floor().rem_euclid(24.0)
}

/// MinFromTime(t).
pub fn min_from_time(t: f64) -> f64 {
    (t / MS_PER_MINUTE).floor().rem_euclid(60.0)
}

/// SecFromTime(t).
pub fn sec_from_time(t: f64) -> f64 {
    (t / MS_PER_SECOND).floor().rem_euclid(60.0)
}

/// msFromTime(t).
pub fn ms_from_time(t: f64) -> f64 {
    t.rem_euclid(MS_PER_SECOND)
}

/// MakeTime(hour, min, sec, ms) (ES §21.4.1.27).
pub fn make_time(hour: f64, min: f64, sec: f64, ms: f64) -> f64 {
    // 1. If hour, min, sec or ms is not finite, return NaN.
    if !(hour.is_finite() && min.is_finite() && sec.is_finite() && ms.is_finite()) {
        return f64::NAN;
    }
    // 2-6. Truncate each and combine with IEEE 754 arithmetic, in the spec's order.
    let h = to_integer_or_infinity(hour);
    let m = to_integer_or_infinity(min);
    let s = to_integer_or_infinity(sec);
    let milli = to_integer_or_infinity(ms);
    h * MS_PER_HOUR + m * MS_PER_MINUTE + s * MS_PER_SECOND + milli
}

/// The year range V8 accepts in MakeDay; anything outside is far beyond TimeClip's range.
const MAX_YEAR: f64 = 1_000_000.0;

/// MakeDay(year, month, date) (ES §21.4.1.28).
pub fn make_day(year: f64, month: f64, date: f64) -> f64 {
    // 1. If year, month or date is not finite, return NaN.
    if !(year.is_finite() && month.is_finite() && date.is_finite()) {
        return f64::NAN;
    }
    let y = to_integer_or_infinity(year);
    let m = to_integer_or_infinity(month);
    let dt = to_integer_or_infinity(date);
    // 5. Let ym be y + floor(m / 12). 7. Let mn be m modulo 12.
    let ym = y + (m / 12.0).floor();
    if !ym.is_finite() || ym.abs() > MAX_YEAR {
        return f64::NAN;
    }
    let mn = m.rem_euclid(12.0);
    // 8. Find the day of the first of month mn in year ym; 9. return Day(t) + dt - 1.
    let first = days_from_civil(ym as i64, mn as u32 + 1, 1);
    first as f64 + dt - 1.0
}

/// MakeDate(day, time) (ES §21.4.1.29).
pub fn make_date(day: f64, time: f64) -> f64 {
    let tv = day * MS_PER_DAY + time;
    if tv.is_finite() {
        tv
    } else {
        f64::NAN
    }
}

/// TimeClip(time) (ES §21.4.1.31): NaN outside ±8.64e15, else truncated (never -0).
pub fn time_clip(time: f64) -> f64 {
    if !time.is_finite() || time.abs() > MAX_TIME {
        return f64::NAN;
    }
    to_integer_or_infinity(time)
}

/// The year step shared by `new Date(y, m, ...)` and `Date.UTC` (named MakeFullYear in later
/// editions): years 0..=99 (after truncation) mean 1900..=1999, anything else stays.
pub fn make_full_year(year: f64) -> f64 {
    if year.is_nan() {
        return f64::NAN;
    }
    let truncated = to_integer_or_infinity(year);
    if (0.0..=99.0).contains(&truncated) {
        1900.0 + truncated
    } else {
        year
    }
}

/// The shared steps of `new Date(y, m, ...)` and `Date.UTC(y, m, ...)`: `args` are the arguments
/// after ToNumber, at most seven (year, month, date, hours, minutes, seconds, ms); missing ones
/// default to month 0, date 1 and zero time.
fn date_from_components(args: &[f64]) -> f64 {
    let arg = |i: usize, default: f64| args.get(i).copied().unwrap_or(default);
    let year = make_full_year(arg(0, f64::NAN));
    let day = make_day(year, arg(1, 0.0), arg(2, 1.0));
    let time = make_time(arg(3, 0.0), arg(4, 0.0), arg(5, 0.0), arg(6, 0.0));
    make_date(day, time)
}

/// `Date.UTC(year, month, date, hours, minutes, seconds, ms)` on already converted arguments
/// (see [`date_from_components`] for the defaults).
pub fn date_utc(args: &[f64]) -> f64 {
    time_clip(date_from_components(args))
}

/// The time value of `new Date(year, month, ...)` with two or more arguments: the components
/// are local time in `zone`.
pub fn date_local(args: &[f64], zone: &Zone) -> f64 {
    time_clip(utc(date_from_components(args), zone))
}

/// The current time value (`Date.now()`), from the system clock.
pub fn now() -> f64 {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => (d.as_millis() as f64).floor(),
        Err(e) => -(e.duration().as_millis() as f64),
    }
}

// ---------------------------------------------------------------------------------------------
// Time zones (ES §21.4.1.20 – §21.4.1.26)
// ---------------------------------------------------------------------------------------------

/// A time zone: the system's (from `TZ` or `/etc/localtime`), UTC, or any IANA/POSIX zone.
#[derive(Debug, Clone)]
pub struct Zone {
    tz: tz::TimeZone,
}

impl Zone {
    /// The system time zone, read once: the `TZ` environment variable (an IANA name such as
    /// "Europe/Berlin", ":Europe/Berlin", or a POSIX string such as "CET-1CEST,M3.5.0,M10.5.0/3"),
    /// else `/etc/localtime`, else UTC.
    pub fn local() -> &'static Zone {
        static LOCAL: OnceLock<Zone> = OnceLock::new();
        LOCAL.get_or_init(|| {
            let from_env = std::env::var("TZ").ok().filter(|s| !s.is_empty());
            let tz = match from_env {
                Some(name) => Zone::named(&name).map(|z| z.tz),
                None => tz::TimeZone::local().ok(),
            };
            Zone {
                tz: tz.unwrap_or_else(tz::TimeZone::utc),
            }
        })
    }

    /// Coordinated Universal Time.
    pub fn utc() -> Zone {
        Zone {
            tz: tz::TimeZone::utc(),
        }
    }

    /// A zone with a fixed offset from UTC, in minutes east of Greenwich.
    pub fn fixed(offset_minutes: i32) -> Option<Zone> {
        tz::TimeZone::fixed(offset_minutes.checked_mul(60)?)
            .ok()
            .map(|tz| Zone { tz })
    }

    /// A zone by IANA name (read from the system's zoneinfo) or POSIX TZ string; "UTC" and "GMT"
    /// work without zoneinfo files.
    pub fn named(name: &str) -> Option<Zone> {
        let name = name.strip_prefix(':').unwrap_or(name);
        if matches!(
            name,
            "UTC" | "Etc/UTC" | "Z" | "Zulu" | "Universal" | "Etc/Universal"
        ) {
            return Some(Zone::utc());
        }
        tz::TimeZone::from_posix_tz(name).ok().map(|tz| Zone { tz })
    }

    /// The local time type in effect at UTC time value `t`.
    fn local_type(&self, t: f64) -> Option<&tz::LocalTimeType> {
        if !t.is_finite() {
            return None;
        }
        // Saturating conversion: values beyond i64 seconds cannot reach here after TimeClip.
        let seconds = (t / 1000.0).floor() as i64;
        self.tz.find_local_time_type(seconds).ok()
    }

    /// The offset of local time from UTC at UTC time value `t`, in ms (LocalTZA(t, true) plus the
    /// DST adjustment, which the IANA data already includes).
    pub fn offset_at_utc(&self, t: f64) -> f64 {
        self.local_type(t)
            .map_or(0.0, |lt| f64::from(lt.ut_offset()) * 1000.0)
    }

    /// The offset to subtract from local time value `t_local` to get UTC (LocalTZA(t, false)).
    /// For a repeated local time (DST ends) the earlier instant is chosen; for a skipped one (DST
    /// starts) the offset before the transition is used, as ES §21.4.1.25 requires.
    pub fn offset_for_local(&self, t_local: f64) -> f64 {
        // Offsets a day before and after; transitions are never closer together than that.
        let before = self.offset_at_utc(t_local - MS_PER_DAY);
        let after = self.offset_at_utc(t_local + MS_PER_DAY);
        let valid = |o: f64| self.offset_at_utc(t_local - o) == o;
        match (valid(before), valid(after)) {
            // Both interpretations exist: the earlier instant has the larger offset.
            (true, true) => before.max(after),
            (true, false) => before,
            (false, true) => after,
            // A skipped local time: interpret it with the offset before the transition.
            (false, false) => before,
        }
    }

    /// The zone's name at UTC time value `t` for `Date.prototype.toString`, in the long English
    /// form V8 takes from ICU ("Coordinated Universal Time", "Central European Summer Time").
    /// Zones without a well-known abbreviation fall back to ICU's "GMT+03:00" form.
    pub fn long_name(&self, t: f64) -> String {
        let Some(lt) = self.local_type(t) else {
            return "Coordinated Universal Time".to_owned();
        };
        let offset = lt.ut_offset();
        if let Some(name) = long_zone_name(lt.time_zone_designation(), offset) {
            return name.to_owned();
        }
        if offset == 0 {
            return "Coordinated Universal Time".to_owned();
        }
        let sign = if offset < 0 { '-' } else { '+' };
        let minutes = offset.unsigned_abs() / 60;
        format!("GMT{sign}{:02}:{:02}", minutes / 60, minutes % 60)
    }
}

/// English long names of common zone abbreviations; the offset (seconds) tells apart the
/// abbreviations that several regions use.
fn long_zone_name(abbr: &str, offset: i32) -> Option<&'static str> {
    let hours = f64::from(offset) / 3600.0;
    Some(match abbr {
        "UTC" | "UCT" | "Z" => "Coordinated Universal Time",
        "GMT" if offset == 0 => "Greenwich Mean Time",
        "BST" if offset == 3600 => "British Summer Time",
        "IST" if offset == 3600 => "Irish Standard Time",
        "IST" if offset == 19_800 => "India Standard Time",
        "IST" if offset == 7200 => "Israel Standard Time",
        "IDT" => "Israel Daylight Time",
        "WET" => "Western European Standard Time",
        "WEST" => "Western European Summer Time",
        "CET" => "Central European Standard Time",
        "CEST" => "Central European Summer Time",
        "EET" => "Eastern European Standard Time",
        "EEST" => "Eastern European Summer Time",
        "MSK" => "Moscow Standard Time",
        "EST" => "Eastern Standard Time",
        "EDT" => "Eastern Daylight Time",
        "CST" if hours == 8.0 => "China Standard Time",
        "CST" if hours == -6.0 => "Central Standard Time",
        "CDT" if hours == -5.0 => "Central Daylight Time",
        "MST" => "Mountain Standard Time",
        "MDT" => "Mountain Daylight Time",
        "PST" if hours == -8.0 => "Pacific Standard Time",
        "PDT" => "Pacific Daylight Time",
        "AKST" => "Alaska Standard Time",
        "AKDT" => "Alaska Daylight Time",
        "HST" => "Hawaii-Aleutian Standard Time",
        "JST" => "Japan Standard Time",
        "KST" => "Korean Standard Time",
        "HKT" => "Hong Kong Standard Time",
        "PKT" => "Pakistan Standard Time",
        "SAST" => "South Africa Standard Time",
        "WIB" => "Western Indonesia Time",
        "AEST" => "Australian Eastern Standard Time",
        "AEDT" => "Australian Eastern Daylight Time",
        "ACST" => "Australian Central Standard Time",
        "ACDT" => "Australian Central Daylight Time",
        "AWST" => "Australian Western Standard Time",
        "NZST" => "New Zealand Standard Time",
        "NZDT" => "New Zealand Daylight Time",
        _ => return None,
    })
}

/// LocalTime(t) (ES §21.4.1.25): `t` plus the zone's offset at `t`.
pub fn local_time(t: f64, zone: &Zone) -> f64 {
    t + zone.offset_at_utc(t)
}

/// UTC(t) (ES §21.4.1.26): the time value of local time `t` (NaN stays NaN).
pub fn utc(t: f64, zone: &Zone) -> f64 {
    if !t.is_finite() {
        return f64::NAN;
    }
    t - zone.offset_for_local(t)
}

/// `Date.prototype.getTimezoneOffset` for time value `t`: (t - LocalTime(t)) / msPerMinute,
/// truncated to whole minutes as V8 reports it (offsets with seconds only occur in local mean
/// time before 1900).
pub fn timezone_offset_minutes(t: f64, zone: &Zone) -> f64 {
    if t.is_nan() {
        return f64::NAN;
    }
    ((t - local_time(t, zone)) / MS_PER_MINUTE).trunc() + 0.0
}

// ---------------------------------------------------------------------------------------------
// Formatting (ES §21.4.4.41 and friends)
// ---------------------------------------------------------------------------------------------

const DAY_NAMES: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// What `toString` and friends return for an invalid date.
pub const INVALID_DATE: &str = "Invalid Date";

/// The RangeError of `toISOString` on an invalid date ("Invalid time value" in V8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidTimeValue;

impl InvalidTimeValue {
    pub fn message(&self) -> &'static str {
        "Invalid time value"
    }
}

impl std::fmt::Display for InvalidTimeValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for InvalidTimeValue {}

/// The year as DateString writes it: at least four digits, "-" for negative years.
fn padded_year(year: i64) -> String {
    if year < 0 {
        format!("-{:04}", year.unsigned_abs())
    } else {
        format!("{year:04}")
    }
}

/// DateString(tv) on a local time value: "Tue Mar 05 2024".
fn date_string(f: &Fields) -> String {
    format!(
        "{} {} {:02} {}",
        DAY_NAMES[f.week_day as usize % 7],
        MONTH_NAMES[f.month as usize % 12],
        f.date,
        padded_year(f.year)
    )
}

/// TimeString(tv): "10:00:00 GMT".
fn time_string(f: &Fields) -> String {
    format!("{:02}:{:02}:{:02} GMT", f.hour, f.minute, f.second)
}

/// TimeZoneString(tv): "+0000 (Coordinated Universal Time)".
fn time_zone_string(t: f64, zone: &Zone) -> String {
    let offset_minutes = (zone.offset_at_utc(t) / MS_PER_MINUTE).trunc() as i64;
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let abs = offset_minutes.unsigned_abs();
    format!(
        "{sign}{:02}{:02} ({})",
        abs / 60,
        abs % 60,
        zone.long_name(t)
    )
}

/// `Date.prototype.toString` (ToDateString): "Tue Mar 05 2024 10:00:00 GMT+0000 (Coordinated
/// Universal Time)", or "Invalid Date".
pub fn to_date_string(t: f64, zone: &Zone) -> String {
    let Some(f) = fields(local_time(t, zone)) else {
        return INVALID_DATE.to_owned();
    };
    format!(
        "{} {}{}",
        date_string(&f),
        time_string(&f),
        time_zone_string(t, zone)
    )
}

/// `Date.prototype.toDateString`: "Tue Mar 05 2024".
pub fn to_date_only_string(t: f64, zone: &Zone) -> String {
    fields(local_time(t, zone)).map_or_else(|| INVALID_DATE.to_owned(), |f| date_string(&f))
}

/// `Date.prototype.toTimeString`: "10:00:00 GMT+0000 (Coordinated Universal Time)".
pub fn to_time_string(t: f64, zone: &Zone) -> String {
    fields(local_time(t, zone)).map_or_else(
        || INVALID_DATE.to_owned(),
        |f| format!("{}{}", time_string(&f), time_zone_string(t, zone)),
    )
}

/// `Date.prototype.toUTCString`: "Tue, 05 Mar 2024 10:00:00 GMT".
pub fn to_utc_string(t: f64) -> String {
    let Some(f) = fields(t) else {
        return INVALID_DATE.to_owned();
    };
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        DAY_NAMES[f.week_day as usize % 7],
        f.date,
        MONTH_NAMES[f.month as usize % 12],
        padded_year(f.year),
        f.hour,
        f.minute,
        f.second
    )
}

/// `Date.prototype.toISOString`: "2024-03-05T10:00:00.000Z", with six-digit signed years outside
/// 0..=9999; a RangeError for an invalid date.
pub fn to_iso_string(t: f64) -> Result<String, InvalidTimeValue> {
    let f = fields(t).ok_or(InvalidTimeValue)?;
    let year = if (0..=9999).contains(&f.year) {
        format!("{:04}", f.year)
    } else if f.year < 0 {
        format!("-{:06}", f.year.unsigned_abs())
    } else {
        format!("+{:06}", f.year)
    };
    Ok(format!(
        "{year}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        f.month + 1,
        f.date,
        f.hour,
        f.minute,
        f.second,
        f.millisecond
    ))
}

/// The en-US date part: "3/5/2024". ICU numbers years before 1 CE by era without naming it, so
/// year 0 prints as 1 (1 BC) and year -1 as 2.
fn locale_date(f: &Fields) -> String {
    let year = if f.year <= 0 { 1 - f.year } else { f.year };
    format!("{}/{}/{year}", f.month + 1, f.date)
}

/// The en-US time part: "10:00:00 AM".
fn locale_time(f: &Fields) -> String {
    let hour12 = match f.hour % 12 {
        0 => 12,
        h => h,
    };
    let suffix = if f.hour < 12 { "AM" } else { "PM" };
    format!("{hour12}:{:02}:{:02} {suffix}", f.minute, f.second)
}

/// `Date.prototype.toLocaleString()` as node prints it for en-US: "3/5/2024, 10:00:00 AM".
/// Locales and options are ignored.
pub fn to_locale_string(t: f64, zone: &Zone) -> String {
    fields(local_time(t, zone)).map_or_else(
        || INVALID_DATE.to_owned(),
        |f| format!("{}, {}", locale_date(&f), locale_time(&f)),
    )
}

/// `Date.prototype.toLocaleDateString()` for en-US: "3/5/2024".
pub fn to_locale_date_string(t: f64, zone: &Zone) -> String {
    fields(local_time(t, zone)).map_or_else(|| INVALID_DATE.to_owned(), |f| locale_date(&f))
}

/// `Date.prototype.toLocaleTimeString()` for en-US: "10:00:00 AM".
pub fn to_locale_time_string(t: f64, zone: &Zone) -> String {
    fields(local_time(t, zone)).map_or_else(|| INVALID_DATE.to_owned(), |f| locale_time(&f))
}

mod parse;
pub use parse::{parse, parse_utf16};

#[cfg(test)]
mod tests;
