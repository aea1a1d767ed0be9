//! Wording helpers shared by the checks: value kinds, quoting user text, JSON pointers.

use std::fmt::Write as _;

use serde_json::Value;

/// Longest piece of user text echoed in a message: enough to recognise it, short enough that
/// a hostile 1 MB string does not end up in the 400 response.
const MAX_ECHO: usize = 80;

/// "an array", "a string", "null"… for sentences like "found an array".
pub(super) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `s` in single quotes, cut at [`MAX_ECHO`] characters, with control and invisible characters
/// escaped (`\n`, `\u{200b}`) so look-alike or blank-looking input is visible in the message.
pub(super) fn quote(s: &str) -> String {
    format!("'{}'", visible(s, MAX_ECHO))
}

/// `s` cut at `max` characters (marked with `…`), control and invisible characters escaped.
fn visible(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        match c {
            // escape_debug would backslash these; inside a message they read fine as they are.
            '\'' | '"' | '\\' => out.push(c),
            _ => out.extend(c.escape_debug()),
        }
    }
    out
}

/// Compact JSON of `value`, cut at [`MAX_ECHO`] bytes (an `enum` can hold a million items).
/// Serialization stops as soon as enough is written, so a huge value costs nothing extra.
pub(super) fn snippet(value: &Value) -> String {
    let mut out = Prefix(Vec::with_capacity(MAX_ECHO + 4));
    // An error here only means the prefix is full.
    let cut = serde_json::to_writer(&mut out, value).is_err();
    let mut text = String::from_utf8_lossy(&out.0).into_owned();
    if cut {
        // The byte cut may split a character; lossy decoding left a U+FFFD there, drop it.
        text.truncate(text.trim_end_matches('\u{fffd}').len());
        text.push('…');
    }
    text
}

/// A writer that keeps the first [`MAX_ECHO`] bytes and then refuses more.
struct Prefix(Vec<u8>);

impl std::io::Write for Prefix {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = MAX_ECHO - self.0.len();
        if room == 0 {
            return Err(std::io::Error::other("full"));
        }
        let n = room.min(buf.len());
        self.0.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One character described for a human: `'/'`, `a space`, `'і' (U+0456)`, `U+000A`.
pub(super) fn describe_char(c: char) -> String {
    if c == ' ' {
        "a space".to_owned()
    } else if c.is_ascii_graphic() {
        format!("'{c}'")
    } else if c.is_control() || c.escape_debug().count() > 1 {
        format!("U+{:04X}", u32::from(c))
    } else {
        format!("'{c}' (U+{:04X})", u32::from(c))
    }
}

/// Appends `/token` to a JSON pointer, escaping `~` and `/` as RFC 6901 requires.
pub(super) fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    for c in token.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            _ => pointer.push(c),
        }
    }
}

/// `pointer` with `/token` appended.
pub(super) fn child(pointer: &str, token: &str) -> String {
    let mut out = pointer.to_owned();
    push_token(&mut out, token);
    out
}

/// `pointer` with `/index` appended.
pub(super) fn child_index(pointer: &str, index: usize) -> String {
    let mut out = pointer.to_owned();
    let _ = write!(out, "/{index}");
    out
}

/// A pointer (stored without the leading `#`) as shown to users: `#`, `#/properties/a`.
/// Cut and escaped like other echoed text, since keys on the way are arbitrary strings.
pub(super) fn at(pointer: &str) -> String {
    const MAX_POINTER: usize = 300;
    format!("#{}", visible(pointer, MAX_POINTER))
}
