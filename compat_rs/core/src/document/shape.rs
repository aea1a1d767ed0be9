//! Shape limits of a document, measured without recursion so any input is safe to inspect.

use std::fmt::Write as _;

use serde_json::{map, Value};

use super::text::{at, push_token};

/// Where the walk is inside one array or object.
enum Children<'a> {
    Object(map::Iter<'a>),
    Array(std::iter::Enumerate<std::slice::Iter<'a, Value>>),
}

/// How a container was reached from its parent, to rebuild the pointer of an offending spot.
#[derive(Clone, Copy)]
enum Token<'a> {
    Key(&'a str),
    Index(usize),
}

/// One open container: how it was reached, the length of its pointer, its remaining children.
struct Frame<'a> {
    token: Option<Token<'a>>,
    pointer_len: usize,
    children: Children<'a>,
}

fn children(value: &Value) -> Option<Children<'_>> {
    match value {
        Value::Object(m) => Some(Children::Object(m.iter())),
        Value::Array(a) => Some(Children::Array(a.iter().enumerate())),
        _ => None,
    }
}

/// Length of `/token` once escaped as a JSON pointer segment.
fn segment_len(token: Token<'_>) -> usize {
    match token {
        Token::Key(k) => 1 + k.len() + k.bytes().filter(|&b| b == b'~' || b == b'/').count(),
        Token::Index(i) => 1 + i.checked_ilog10().unwrap_or(0) as usize + 1,
    }
}

/// A problem when arrays and objects in `doc` nest deeper than `max_depth` levels (`doc`
/// itself is level 1), or when the JSON pointers of all its values add up to more than
/// `max_pointer_bytes`; names the first offending spot.
///
/// The second limit exists because later steps (the meta-validator, the `$ref` walk) build a
/// pointer for each subschema or error: a few long keys above many values would otherwise turn
/// a small request into gigabytes of pointers. Depth-first with an explicit stack of
/// iterators, so memory grows with `max_depth`, never the call stack.
pub(super) fn check(doc: &Value, max_depth: usize, max_pointer_bytes: usize) -> Option<String> {
    let mut stack = vec![Frame {
        token: None,
        pointer_len: 0,
        children: children(doc)?,
    }];
    let mut total = 0usize;
    while let Some(frame) = stack.last_mut() {
        let next = match &mut frame.children {
            Children::Object(it) => it.next().map(|(k, v)| (Token::Key(k.as_str()), v)),
            Children::Array(it) => it.next().map(|(i, v)| (Token::Index(i), v)),
        };
        let Some((token, value)) = next else {
            stack.pop();
            continue;
        };
        let pointer_len = frame.pointer_len + segment_len(token);
        total = total.saturating_add(pointer_len);
        if total > max_pointer_bytes {
            return Some(format!(
                "the document's keys are too long for its size: the JSON pointers of its values \
                 add up to more than {} MiB (reached at {}); shorten the longest keys",
                max_pointer_bytes >> 20,
                at(&pointer(&stack, token))
            ));
        }
        let Some(grandchildren) = children(value) else {
            continue;
        };
        if stack.len() == max_depth {
            return Some(format!(
                "the document nests arrays and objects deeper than {max_depth} levels (at {}); \
                 flatten it, for example by moving shared parts under #/definitions and using $ref",
                at(&pointer(&stack, token))
            ));
        }
        stack.push(Frame {
            token: Some(token),
            pointer_len,
            children: grandchildren,
        });
    }
    None
}

/// The pointer (without `#`) of child `last` of the innermost open container.
fn pointer(stack: &[Frame<'_>], last: Token<'_>) -> String {
    let mut out = String::new();
    for token in stack.iter().filter_map(|f| f.token).chain([last]) {
        match token {
            Token::Key(k) => push_token(&mut out, k),
            Token::Index(i) => {
                let _ = write!(out, "/{i}");
            }
        }
    }
    out
}
