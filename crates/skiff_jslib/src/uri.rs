//! URI handling functions (ES §19.2.6): encodeURI, encodeURIComponent, decodeURI and
//! decodeURIComponent on UTF-16 strings.

use crate::string::code_point_at;

/// The URIError the four functions throw; [`UriError::message`] is V8's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UriError;

impl UriError {
    pub fn message(&self) -> &'static str {
        "URI malformed"
    }
}

impl std::fmt::Display for UriError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for UriError {}

/// uriReserved (ES §19.2.6.1): characters with a meaning in URI syntax.
const URI_RESERVED: &[u8] = b";/?:@&=+$,";
/// uriMark: punctuation that never needs escaping.
const URI_MARK: &[u8] = b"-_.!~*'()";

fn is_uri_unreserved(c: u16) -> bool {
    c < 0x80 && {
        let b = c as u8;
        b.is_ascii_alphanumeric() || URI_MARK.contains(&b)
    }
}

/// `encodeURI(uriString)`: escapes everything except unreserved characters, uriReserved and "#".
pub fn encode_uri(s: &[u16]) -> Result<Vec<u16>, UriError> {
    encode(s, |c| {
        is_uri_unreserved(c)
            || (c < 0x80 && (URI_RESERVED.contains(&(c as u8)) || c == u16::from(b'#')))
    })
}

/// `encodeURIComponent(uriComponent)`: escapes everything except unreserved characters.
pub fn encode_uri_component(s: &[u16]) -> Result<Vec<u16>, UriError> {
    encode(s, is_uri_unreserved)
}

/// `decodeURI(encodedURI)`: decodes escapes, but keeps escapes of uriReserved and "#" as written.
pub fn decode_uri(s: &[u16]) -> Result<Vec<u16>, UriError> {
    decode(s, |c| URI_RESERVED.contains(&c) || c == b'#')
}

/// `decodeURIComponent(encodedURIComponent)`: decodes every escape.
pub fn decode_uri_component(s: &[u16]) -> Result<Vec<u16>, UriError> {
    decode(s, |_| false)
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Encode(string, extraUnescaped) (ES §19.2.6.5).
fn encode(s: &[u16], unescaped: impl Fn(u16) -> bool) -> Result<Vec<u16>, UriError> {
    let mut out = Vec::with_capacity(s.len());
    let mut k = 0;
    while k < s.len() {
        let c = s[k];
        // c. If unescapedSet contains C, append C.
        if unescaped(c) {
            out.push(c);
            k += 1;
            continue;
        }
        // d.i-ii. Let cp be CodePointAt(string, k); a lone surrogate is a URIError.
        let Some((cp, len)) = code_point_at(s, k) else {
            break;
        };
        let Some(ch) = char::from_u32(cp) else {
            return Err(UriError);
        };
        // d.iv-v. Append the UTF-8 octets as %XX escapes with upper-case hex digits.
        let mut buf = [0u8; 4];
        for &octet in ch.encode_utf8(&mut buf).as_bytes() {
            out.push(u16::from(b'%'));
            out.push(u16::from(HEX_UPPER[usize::from(octet >> 4)]));
            out.push(u16::from(HEX_UPPER[usize::from(octet & 0xF)]));
        }
        k += len;
    }
    Ok(out)
}

fn hex_value(c: u16) -> Option<u8> {
    match c {
        0x30..=0x39 => Some((c - 0x30) as u8),
        0x41..=0x46 => Some((c - 0x41 + 10) as u8),
        0x61..=0x66 => Some((c - 0x61 + 10) as u8),
        _ => None,
    }
}

/// ParseHexOctet(string, position): the byte written as two hex digits at `position`.
fn parse_hex_octet(s: &[u16], position: usize) -> Option<u8> {
    let hi = hex_value(*s.get(position)?)?;
    let lo = hex_value(*s.get(position + 1)?)?;
    Some(hi << 4 | lo)
}

/// Decode(string, preserveEscapeSet) (ES §19.2.6.6).
fn decode(s: &[u16], preserve: impl Fn(u8) -> bool) -> Result<Vec<u16>, UriError> {
    let len = s.len();
    let mut out = Vec::with_capacity(len);
    let mut k = 0;
    while k < len {
        let c = s[k];
        if c != u16::from(b'%') {
            out.push(c);
            k += 1;
            continue;
        }
        // b.i. If k + 3 > strLen, throw a URIError.
        if k + 3 > len {
            return Err(UriError);
        }
        let start = k;
        // b.iii-iv. Let B be ParseHexOctet(string, k + 1).
        let b = parse_hex_octet(s, k + 1).ok_or(UriError)?;
        k += 2;
        // b.vi. Let n be the number of leading 1 bits in B.
        let n = b.leading_ones() as usize;
        if n == 0 {
            // b.vii. A single-byte character: keep the escape when it is in preserveEscapeSet.
            if preserve(b) {
                out.extend_from_slice(&s[start..start + 3]);
            } else {
                out.push(u16::from(b));
            }
        } else {
            // b.viii.1. If n = 1 or n > 4, throw a URIError.
            if n == 1 || n > 4 {
                return Err(UriError);
            }
            // b.viii.3. If k + (3 × (n - 1)) ≥ strLen, throw a URIError.
            if k + 3 * (n - 1) >= len {
                return Err(UriError);
            }
            let mut octets = vec![b];
            for _ in 1..n {
                k += 1;
                if s[k] != u16::from(b'%') {
                    return Err(UriError);
                }
                let continuation = parse_hex_octet(s, k + 1).ok_or(UriError)?;
                octets.push(continuation);
                k += 2;
            }
            // b.viii.7. The octets must be the valid (shortest, non-surrogate) UTF-8 of one code point.
            let text = std::str::from_utf8(&octets).map_err(|_| UriError)?;
            let mut chars = text.chars();
            let (Some(ch), None) = (chars.next(), chars.next()) else {
                return Err(UriError);
            };
            let mut buf = [0u16; 2];
            out.extend_from_slice(ch.encode_utf16(&mut buf));
        }
        k += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Vec<u16> {
        s.encode_utf16().collect()
    }

    #[test]
    fn encodes_like_node() {
        // Expected values from node v20.
        let cases: &[(&str, &str, &str)] = &[
            (
                "http://ex.com/a b?q=1&r=ä#frag",
                "http://ex.com/a%20b?q=1&r=%C3%A4#frag",
                "http%3A%2F%2Fex.com%2Fa%20b%3Fq%3D1%26r%3D%C3%A4%23frag",
            ),
            ("-_.!~*'()", "-_.!~*'()", "-_.!~*'()"),
            (
                ";/?:@&=+$,#",
                ";/?:@&=+$,#",
                "%3B%2F%3F%3A%40%26%3D%2B%24%2C%23",
            ),
            (
                "😀€\u{7f}\0",
                "%F0%9F%98%80%E2%82%AC%7F%00",
                "%F0%9F%98%80%E2%82%AC%7F%00",
            ),
            (
                "[]{}|\\^`\"<>%",
                "%5B%5D%7B%7D%7C%5C%5E%60%22%3C%3E%25",
                "%5B%5D%7B%7D%7C%5C%5E%60%22%3C%3E%25",
            ),
            ("", "", ""),
        ];
        for (input, uri, component) in cases {
            assert_eq!(encode_uri(&u(input)), Ok(u(uri)), "{input:?}");
            assert_eq!(
                encode_uri_component(&u(input)),
                Ok(u(component)),
                "{input:?}"
            );
        }
        assert_eq!(encode_uri(&[0xD800]), Err(UriError));
        assert_eq!(encode_uri_component(&[0x61, 0xDC00, 0x62]), Err(UriError));
        assert_eq!(encode_uri(&[0xD800, 0x61]), Err(UriError));
        assert_eq!(UriError.message(), "URI malformed");
    }

    #[test]
    fn decodes_like_node() {
        // (input, decodeURI, decodeURIComponent), from node v20.
        let cases: &[(&str, &str, &str)] = &[
            ("a%20b", "a b", "a b"),
            ("%3B%2f%3F%23%41", "%3B%2f%3F%23A", ";/?#A"),
            ("%C3%A4%F0%9F%98%80", "ä😀", "ä😀"),
            ("%e2%82%ac", "€", "€"),
            ("100%25", "100%", "100%"),
            ("", "", ""),
            ("plain", "plain", "plain"),
        ];
        for (input, uri, component) in cases {
            assert_eq!(decode_uri(&u(input)), Ok(u(uri)), "{input:?}");
            assert_eq!(
                decode_uri_component(&u(input)),
                Ok(u(component)),
                "{input:?}"
            );
        }
        let bad = [
            "%",
            "%2",
            "%G0",
            "%80",
            "%C3",
            "%C3%",
            "%C3%2",
            "%C3A4",
            "%C3%C3",
            "%C0%80",
            "%ED%A0%80",
            "%F4%90%80%80",
            "%F8%80%80%80%80",
            "%E2%82",
            "%FF",
        ];
        for input in bad {
            assert_eq!(decode_uri_component(&u(input)), Err(UriError), "{input:?}");
            assert_eq!(decode_uri(&u(input)), Err(UriError), "{input:?}");
        }
        // Lone surrogates in the input pass through undecoded.
        assert_eq!(
            decode_uri(&[0xD800, 0x25, 0x34, 0x31]),
            Ok(vec![0xD800, 0x41])
        );
    }
}
