//! Control characters in text: refused in every string of a fact (tab and line
//! feed aside), because a report must not be able to rewrite a terminal.

use serde_json::Value;

pub(super) fn is_forbidden_control(c: char) -> bool {
    c.is_control() && c != '\t' && c != '\n'
}

/// Where a forbidden control character is: in the string at a JSON path, or in
/// a member name inside the object at a path (the name is not echoed).
pub(super) enum Control {
    Value(String),
    Name(String),
}

pub(super) fn control_message(at: &Control, c: char) -> String {
    let what = format!(
        "contains the control character U+{:04X}; only tab and line feed are allowed in text (a control character can rewrite what a terminal shows)",
        u32::from(c)
    );
    match at {
        Control::Value(path) => format!("at `{path}`: {what}"),
        Control::Name(path) if path.is_empty() => format!("a member name {what}"),
        Control::Name(path) => format!("at `{path}`: a member name {what}"),
    }
}

/// The first forbidden control character in the member `name` (its name, or any
/// string or member name in its value), with where it is. `path` is the path of
/// the object holding the member, and is left as it was found.
pub(super) fn find_control(
    name: &str,
    value: &Value,
    path: &mut String,
) -> Option<(Control, char)> {
    if let Some(c) = name.chars().find(|&c| is_forbidden_control(c)) {
        return Some((Control::Name(path.clone()), c));
    }
    let len = path.len();
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(name);
    let found = find_control_in(value, path);
    path.truncate(len);
    found
}

pub(super) fn find_control_in(value: &Value, path: &mut String) -> Option<(Control, char)> {
    match value {
        Value::String(text) => text
            .chars()
            .find(|&c| is_forbidden_control(c))
            .map(|c| (Control::Value(path.clone()), c)),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            let found = find_control_in(item, path);
            path.truncate(len);
            found
        }),
        Value::Object(members) => members
            .iter()
            .find_map(|(name, member)| find_control(name, member, path)),
        Value::Null | Value::Bool(_) | Value::Number(_) => None,
    }
}
