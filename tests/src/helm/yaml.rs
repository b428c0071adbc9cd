//! `toYaml`: a value as block-style YAML (keys in order, strings quoted when
//! YAML would read them as something else), without the final newline, as
//! Helm's `toYaml` prints it.

use serde_json::Value;

pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(m) if !m.is_empty() => mapping(m, 0, &mut out),
        Value::Array(a) if !a.is_empty() => sequence(a, 0, &mut out),
        scalar => out.push_str(&inline(scalar)),
    }
    out.trim_end_matches('\n').to_owned()
}

fn mapping(map: &serde_json::Map<String, Value>, indent: usize, out: &mut String) {
    for (key, value) in map {
        out.push_str(&" ".repeat(indent));
        out.push_str(&string(key));
        entry(value, indent, out);
    }
}

fn sequence(items: &[Value], indent: usize, out: &mut String) {
    for item in items {
        out.push_str(&" ".repeat(indent));
        out.push('-');
        match item {
            Value::Object(m) if !m.is_empty() => {
                // the first key on the dash's line, the rest under it
                let mut first = true;
                for (key, value) in m {
                    if first {
                        out.push(' ');
                        first = false;
                    } else {
                        out.push_str(&" ".repeat(indent + 2));
                    }
                    out.push_str(&string(key));
                    entry(value, indent + 2, out);
                }
            }
            Value::Array(a) if !a.is_empty() => {
                out.push('\n');
                sequence(a, indent + 2, out);
            }
            scalar => {
                out.push(' ');
                out.push_str(&inline(scalar));
                out.push('\n');
            }
        }
    }
}

/// `: value` after a key at `indent`.
fn entry(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Object(m) if !m.is_empty() => {
            out.push_str(":\n");
            mapping(m, indent + 2, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push_str(":\n");
            sequence(a, indent, out);
        }
        scalar => {
            out.push_str(": ");
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
}

fn inline(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        // through JSON, as Helm's toYaml goes: a whole float64 is an integer
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        Value::String(s) => string(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

/// A string plain when YAML reads it back as the same string, else quoted.
fn string(s: &str) -> String {
    let reserved = [
        "", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "yes",
        "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N",
    ];
    let special_start =
        s.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@`".contains(c) || c.is_whitespace());
    // what YAML 1.1 (Kubernetes) reads as a number, a special float or a merge key
    let numeric = s.parse::<f64>().is_ok()
        || [
            "0x", "0o", "0b", ".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN", "<<",
        ]
        .iter()
        .any(|p| s.starts_with(p))
        || (s.contains(|c: char| c.is_ascii_digit())
            && s.chars().all(|c| c.is_ascii_digit() || "_.:+-".contains(c)));
    let plain = !reserved.contains(&s)
        && !special_start
        && !numeric
        && !s.ends_with(char::is_whitespace)
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.ends_with(':')
        && !s.contains(|c: char| c.is_control());
    if plain {
        s.to_owned()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn block_yaml_reads_back_as_the_same_value() {
        let value = json!({
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "drop": ["ALL"],
            "empty": {},
            "list": [],
            "items": [{"key": "a", "operator": "Exists", "values": ["1", "true", "x: y"]}, "plain"],
            "n": 10001,
            "underscored": "1_000",
            "sexagesimal": "1:20",
            "yes": "yes",
            "flag": false,
        });
        let text = to_yaml(&value);
        let back: Value = serde_saphyr::from_str(&text).unwrap();
        assert_eq!(back, value, "{text}");
        assert!(text.contains("requests:\n  cpu: 100m\n"), "{text}");
    }
}
