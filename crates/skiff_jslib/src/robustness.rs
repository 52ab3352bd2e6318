//! Property tests over generated inputs: no function panics on any input, and the inverse pairs
//! (encode/decode, quote/parse, format/parse) round-trip.

use crate::{date, json, number, regexp, string, uri};

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A string of up to 40 code units, biased towards characters the parsers care about.
    fn units(&mut self) -> Vec<u16> {
        const INTERESTING: &[u16] = &[
            0x22, 0x5C, 0x25, 0x2B, 0x2D, 0x2E, 0x30, 0x31, 0x39, 0x3A, 0x5B, 0x5D, 0x7B, 0x7D,
            0x28, 0x29, 0x2C, 0x24, 0x3C, 0x3E, 0x26, 0x60, 0x27, 0x65, 0x45, 0x78, 0x54, 0x5A,
            0x20, 0x0A, 0xA0, 0x2028, 0xFEFF, 0xD800, 0xDC00, 0xD83D, 0xDE00, 0xE9, 0x301, 0x41,
            0x61, 0x6E, 0x75, 0x74, 0x66, 0x49, 0x3F, 0x2A,
        ];
        let len = self.below(41);
        (0..len)
            .map(|_| {
                if self.below(4) == 0 {
                    (self.next() & 0xFFFF) as u16
                } else {
                    INTERESTING[self.below(INTERESTING.len())]
                }
            })
            .collect()
    }
}

#[test]
fn nothing_panics_on_generated_input() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let utc = date::Zone::utc();
    for _ in 0..3000 {
        let s = rng.units();
        let text = String::from_utf16_lossy(&s);
        let x = f64::from_bits(rng.next());
        let small = (rng.below(120) as f64) - 10.0;

        let _ = number::string_to_number_utf16(&s);
        let _ = number::parse_float_utf16(&s);
        let _ = number::parse_int_utf16(&s, rng.below(40) as i32);
        let _ = number::canonical_numeric_index_string(&text);
        let _ = number::array_index(&text);
        let _ = number::to_string_radix(x, 2 + rng.below(35) as u32);
        let _ = number::to_fixed(x, small);
        let _ = number::to_exponential(x, Some(small));
        let _ = number::to_precision(x, Some(small));
        let _ = number::to_locale_string(x);

        let _ = date::parse_utf16(&s, &utc);
        let _ = date::to_date_string(x, &utc);
        let _ = date::to_iso_string(x);
        let _ = date::make_day(x, small, x);

        let _ = uri::decode_uri(&s);
        let _ = uri::decode_uri_component(&s);
        let _ = json::parse(&s);

        let flags: Vec<u16> = "dgimsuvy"
            .encode_utf16()
            .filter(|_| rng.below(3) == 0)
            .collect();
        if let Ok(re) = regexp::compile(&s, &flags) {
            let subject = rng.units();
            let _ = re.exec_at(&subject, rng.below(subject.len() + 2));
        }
        let captures = vec![Some(rng.units()), None];
        let mut lookup = |name: &[u16]| -> Result<Vec<u16>, ()> { Ok(name.to_vec()) };
        let _ = regexp::get_substitution(
            &s,
            &s,
            rng.below(s.len() + 3),
            &captures,
            Some(&mut lookup),
            &rng.units(),
        );
        let _ = regexp::escape_source(&s);

        let _ = string::to_upper_case(&s);
        let _ = string::to_lower_case(&s);
        let _ = string::normalize(&s, string::NormalizationForm::Nfkc);
        let _ = string::locale_compare(&s, &rng.units());
        let _ = string::last_index_of(&s, &rng.units(), rng.below(50));
    }
}

#[test]
fn inverse_pairs_round_trip() {
    let mut rng = Rng(0x0123_4567_89AB_CDEF);
    for _ in 0..3000 {
        let s = rng.units();
        // JSON: parsing a quoted string gives the string back, lone surrogates included.
        let quoted = json::quote_json_string(&s);
        assert_eq!(
            json::parse(&quoted),
            Ok(json::JsonValue::String(s.clone())),
            "{s:x?}"
        );
        // URI: encoding fails exactly on lone surrogates, and decoding undoes it.
        match uri::encode_uri_component(&s) {
            Ok(encoded) => assert_eq!(uri::decode_uri_component(&encoded), Ok(s.clone())),
            Err(_) => assert!(!string::is_well_formed(&s)),
        }
        // Numbers: the shortest string parses back to the same bits.
        let x = f64::from_bits(rng.next());
        if x.is_finite() {
            let printed = number::to_js_string(x);
            let back = number::string_to_number(&printed);
            assert!(back == x, "{printed}");
            let radix = 2 + rng.below(35) as u32;
            assert!(number::to_string_radix(x, radix).len() < 1200);
        }
        // Dates: toISOString parses back to the same time value.
        let t = date::time_clip((rng.next() % 17_280_000_000_000_001) as f64 - 8.64e15);
        if let Ok(iso) = date::to_iso_string(t) {
            assert_eq!(date::parse(&iso, &date::Zone::utc()), t, "{iso}");
        }
    }
}
