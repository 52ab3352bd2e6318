//! Date tests. Every expected value was produced by node v20 (with TZ set to the zone named) and
//! is hard-coded here.

use super::*;

/// (time value, toString, toDateString, toTimeString, toLocaleString, toLocaleDateString,
/// toLocaleTimeString, getTimezoneOffset).
type Row = (
    f64,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    f64,
);

mod tables;
use tables::*;

fn same(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b
}

fn check_formats(zone: &Zone, rows: &[Row]) {
    for &(t, s, date, time, locale, locale_date, locale_time, offset) in rows {
        assert_eq!(to_date_string(t, zone), s, "toString {t}");
        assert_eq!(to_date_only_string(t, zone), date, "toDateString {t}");
        assert_eq!(to_time_string(t, zone), time, "toTimeString {t}");
        assert_eq!(to_locale_string(t, zone), locale, "toLocaleString {t}");
        assert_eq!(
            to_locale_date_string(t, zone),
            locale_date,
            "toLocaleDateString {t}"
        );
        assert_eq!(
            to_locale_time_string(t, zone),
            locale_time,
            "toLocaleTimeString {t}"
        );
        assert_eq!(
            timezone_offset_minutes(t, zone),
            offset,
            "getTimezoneOffset {t}"
        );
    }
}

fn check_local_construction(zone: &Zone, rows: &[([f64; 5], f64)]) {
    for &([y, mo, d, h, mi], expected) in rows {
        let local = make_date(make_day(y, mo, d), make_time(h, mi, 0.0, 0.0));
        assert_eq!(
            time_clip(utc(local, zone)),
            expected,
            "new Date({y}, {mo}, {d}, {h}, {mi})"
        );
    }
}

/// The IANA zone, if this machine has zoneinfo files; tests of other zones are skipped otherwise.
fn zone(name: &str) -> Option<Zone> {
    Zone::named(name)
}

#[test]
fn formats_in_utc() {
    check_formats(&Zone::utc(), FORMAT_UTC);
    check_local_construction(&Zone::utc(), LOCAL_UTC);
}

#[test]
fn formats_in_berlin() {
    let Some(z) = zone("Europe/Berlin") else {
        return;
    };
    // Dates before 1893 use local mean time, whose names and second-level offsets come from ICU
    // in V8; those rows are left out.
    let rows: Vec<Row> = FORMAT_BERLIN
        .iter()
        .copied()
        .filter(|r| r.0 > -2.3e12)
        .collect();
    check_formats(&z, &rows);
    // The offsets and fields of those early dates agree all the same.
    for row in FORMAT_BERLIN.iter().filter(|r| r.0 < -2.3e12) {
        assert_eq!(to_locale_string(row.0, &z), row.4, "{}", row.0);
        assert_eq!(timezone_offset_minutes(row.0, &z), row.7, "{}", row.0);
    }
    check_local_construction(&z, LOCAL_BERLIN);
}

#[test]
fn formats_in_new_york() {
    let Some(z) = zone("America/New_York") else {
        return;
    };
    let rows: Vec<Row> = FORMAT_NEW_YORK
        .iter()
        .copied()
        .filter(|r| r.0 > -2.3e12)
        .collect();
    check_formats(&z, &rows);
    check_local_construction(&z, LOCAL_NEW_YORK);
}

#[test]
fn posix_zone_strings_work_without_zoneinfo() {
    let Some(z) = Zone::named("CET-1CEST,M3.5.0,M10.5.0/3") else {
        panic!("POSIX TZ string rejected");
    };
    assert_eq!(
        to_date_string(1719000000000.0, &z),
        "Fri Jun 21 2024 22:00:00 GMT+0200 (Central European Summer Time)"
    );
    assert_eq!(
        to_date_string(1709632800000.0, &z),
        "Tue Mar 05 2024 11:00:00 GMT+0100 (Central European Standard Time)"
    );
    let fixed = Zone::fixed(330);
    assert!(fixed.is_some());
    if let Some(fixed) = fixed {
        assert_eq!(to_time_string(0.0, &fixed), "05:30:00 GMT+0530 (GMT+05:30)");
    }
}

#[test]
fn iso_and_utc_strings() {
    for &(t, iso, utc_string) in ISO_AND_UTC {
        assert_eq!(to_iso_string(t).as_deref(), Ok(iso), "{t}");
        assert_eq!(to_utc_string(t), utc_string, "{t}");
    }
    assert_eq!(to_iso_string(f64::NAN), Err(InvalidTimeValue));
    assert_eq!(InvalidTimeValue.message(), "Invalid time value");
    let utc = Zone::utc();
    assert_eq!(to_date_string(f64::NAN, &utc), "Invalid Date");
    assert_eq!(to_utc_string(f64::NAN), "Invalid Date");
    assert_eq!(to_locale_string(f64::NAN, &utc), "Invalid Date");
}

#[test]
fn parse_matches_node_in_utc() {
    let z = Zone::utc();
    for &(s, expected) in PARSE_UTC {
        let got = parse(s, &z);
        assert!(
            same(got, expected),
            "Date.parse({s:?}) = {got}, node says {expected}"
        );
    }
}

#[test]
fn parse_matches_node_in_new_york() {
    let Some(z) = zone("America/New_York") else {
        return;
    };
    for &(s, expected) in PARSE_NEW_YORK {
        let got = parse(s, &z);
        assert!(
            same(got, expected),
            "Date.parse({s:?}) = {got}, node says {expected}"
        );
    }
}

#[test]
fn parse_resolves_dst_gaps_and_overlaps_like_node() {
    let Some(z) = zone("America/New_York") else {
        return;
    };
    let cases: &[(&str, f64)] = &[
        ("2024-03-10T02:30:00", 1710055800000.0),
        ("2024-11-03T01:30:00", 1730611800000.0),
        ("Mar 10, 2024 02:30", 1710055800000.0),
        ("Nov 3, 2024 1:30 AM", 1730611800000.0),
        ("2024-03-10T03:00:00", 1710054000000.0),
        ("2024-11-03T02:00:00", 1730617200000.0),
    ];
    for (s, expected) in cases {
        assert_eq!(parse(s, &z), *expected, "{s:?}");
    }
}

#[test]
fn parse_round_trips_own_output() {
    let z = Zone::utc();
    for t in [
        0.0,
        1709632800000.0,
        -62198755200000.0,
        8.64e15,
        -8.64e15,
        951782400000.0,
    ] {
        if let Ok(iso) = to_iso_string(t) {
            assert_eq!(parse(&iso, &z), t, "{iso}");
        }
        // Like V8, the legacy parser reads no negative years, so toString output of years before
        // 1 CE does not parse back (node gives NaN too).
        let expected = if t < -62135596800000.0 { f64::NAN } else { t };
        assert!(same(parse(&to_date_string(t, &z), &z), expected), "{t}");
        assert!(same(parse(&to_utc_string(t), &z), expected), "{t}");
    }
    // Hostile input neither panics nor loops.
    let long: String = "(".repeat(10_000) + &"9".repeat(10_000);
    assert!(parse(&long, &z).is_nan());
    assert!(parse_utf16(&[0xD800, 0x31], &z).is_nan());
}

#[test]
fn time_value_arithmetic() {
    // Date.UTC(2024, 1, 29) and friends, from node.
    assert_eq!(make_date(make_day(2024.0, 1.0, 29.0), 0.0), 1709164800000.0);
    assert_eq!(make_date(make_day(2024.0, 13.0, 1.0), 0.0), 1738368000000.0);
    assert_eq!(make_date(make_day(2024.0, -1.0, 1.0), 0.0), 1701388800000.0);
    assert_eq!(make_date(make_day(2024.0, 0.0, 0.0), 0.0), 1703980800000.0);
    assert_eq!(
        make_date(make_day(1970.0, 0.0, 1.0), make_time(1.5, 2.7, 3.9, 4.2)),
        3723004.0
    );
    assert!(make_day(f64::NAN, 0.0, 1.0).is_nan());
    assert!(make_day(1e7, 0.0, 1.0).is_nan());
    assert!(make_time(f64::INFINITY, 0.0, 0.0, 0.0).is_nan());
    assert!(time_clip(8.64e15 + 1.0).is_nan());
    assert_eq!(time_clip(-0.5), 0.0);
    assert!(time_clip(-0.5).is_sign_positive());
    assert_eq!(time_clip(1.9), 1.0);
    for (t, y, m, d, wd) in [
        (0.0, 1970.0, 0.0, 1.0, 4.0),
        (-1.0, 1969.0, 11.0, 31.0, 3.0),
        (951782400000.0, 2000.0, 1.0, 29.0, 2.0),
        (-62198755200000.0, -1.0, 0.0, 1.0, 5.0),
        (8.64e15, 275760.0, 8.0, 13.0, 6.0),
        (-8.64e15, -271821.0, 3.0, 20.0, 2.0),
    ] {
        assert_eq!(year_from_time(t), y, "{t}");
        assert_eq!(month_from_time(t), m, "{t}");
        assert_eq!(date_from_time(t), d, "{t}");
        assert_eq!(week_day(t), wd, "{t}");
        assert_eq!(
            time_from_year(y),
            make_date(make_day(y, 0.0, 1.0), 0.0),
            "{y}"
        );
    }
    assert_eq!(hour_from_time(-1.0), 23.0);
    assert_eq!(min_from_time(-1.0), 59.0);
    assert_eq!(sec_from_time(-1.0), 59.0);
    assert_eq!(ms_from_time(-1.0), 999.0);
    assert_eq!(days_in_year(2000.0), 366.0);
    assert_eq!(days_in_year(1900.0), 365.0);
    assert_eq!(days_in_year(2024.0), 366.0);
    assert_eq!(in_leap_year(951782400000.0), 1.0);
    assert_eq!(time_within_day(-1.0), 86_399_999.0);
    assert!(now() > 1.7e12);
}

#[test]
fn date_utc_and_local_constructors() {
    // Date.UTC(...) and new Date(...) in node v20 with TZ=UTC.
    let cases: &[(&[f64], f64)] = &[
        (&[2024.0], 1704067200000.0),
        (&[2024.0, 2.0], 1709251200000.0),
        (
            &[2024.0, 2.0, 5.0, 10.0, 30.0, 15.0, 250.0],
            1709634615250.0,
        ),
        (&[99.0, 0.0], 915148800000.0),
        (&[0.0, 0.0], -2208988800000.0),
        (&[99.9, 0.0], 915148800000.0),
        (&[100.0, 0.0], -59011459200000.0),
        (&[-1.0, 0.0], -62198755200000.0),
        (&[f64::NAN, 0.0], f64::NAN),
        (&[275760.0, 8.0, 13.0, 0.0, 0.0, 0.0, 1.0], f64::NAN),
        (&[2024.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.5], 1704067200000.0),
    ];
    for (args, expected) in cases {
        assert!(same(date_utc(args), *expected), "Date.UTC{args:?}");
        assert!(
            same(date_local(args, &Zone::utc()), *expected),
            "new Date{args:?}"
        );
    }
    if let Some(z) = zone("Europe/Berlin") {
        // new Date(2024, 6, 1) with TZ=Europe/Berlin.
        assert_eq!(date_local(&[2024.0, 6.0, 1.0], &z), 1719784800000.0);
    }
    assert_eq!(make_full_year(50.0), 1950.0);
    assert_eq!(make_full_year(-0.5), 1900.0);
    assert_eq!(make_full_year(2024.0), 2024.0);
}

#[test]
fn the_local_zone_is_usable() {
    // Whatever the machine's zone, formatting and the offset round trip work.
    let zone = Zone::local();
    assert!(to_date_string(1709632800000.0, zone).starts_with("Tue Mar 05 2024"));
    let t = 1709632800000.0;
    assert_eq!(utc(local_time(t, zone), zone), t);
}
