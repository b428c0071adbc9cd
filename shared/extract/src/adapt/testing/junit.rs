//! JUnit XML, as test runners write it (pytest, jest-junit, PHPUnit, Maven
//! Surefire, Go's gotestsum, Catch2's JUnit reporter…): `<testsuites>` (or a
//! bare `<testsuite>`) holding `<testsuite>`s, nested or not, holding
//! `<testcase classname name time>`s.
//!
//! One record per test case: dimensions `suite` (the innermost suite's
//! name), `classname`, `name`, `status` (`passed`, `failed` for a
//! `<failure>`, `error` for an `<error>`, `skipped` for a `<skipped>`), the
//! suite's `timestamp` and `hostname` when it has them, the case's other
//! attributes (`file`, `line`, `class`) and its `<properties>`; metrics
//! `time` (seconds, lower is better) and any other numeric attribute of the
//! case (PHPUnit's `assertions`). Suite-level counts (`tests`, `failures`)
//! are sums of the cases, not records.

use serde_json::Value;

use super::xmltree::{children, number, text};
use crate::adapt::{Adapter, Emit, Input};
use crate::error::ExtractError;
use crate::format::Format;
use crate::schema::Direction;

pub(crate) const ADAPTER: Adapter = Adapter {
    name: "junit-xml",
    formats: &[Format::Xml],
    detect,
    read,
};

/// Suite properties beyond this many (Surefire dumps every JVM system
/// property) describe the machine, not the case: left out.
const MAX_SUITE_PROPERTIES: usize = 20;

fn detect(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    (head.contains("<testsuite") && head.contains("<testcase"))
        .then_some("JUnit XML (<testsuite> elements holding <testcase>s)")
}

/// What a suite hands down to its cases.
#[derive(Clone, Default)]
struct Context {
    suite: Option<String>,
    timestamp: Option<String>,
    hostname: Option<String>,
    properties: Vec<(String, String)>,
}

fn read(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let (root_name, root) = crate::parse::xml::to_named_value(input.text, false)?;
    let context = Context::default();
    match root_name.as_str() {
        "testsuite" => suite(&root, &context, out),
        _ => cases_and_suites(&root, &context, out),
    }
}

/// A `<testsuite>`: its own context, then its cases and nested suites.
fn suite(node: &Value, parent: &Context, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let mut context = parent.clone();
    if let Some(name) = text(node, "name") {
        context.suite = Some(name.to_owned());
    }
    if let Some(t) = text(node, "timestamp") {
        context.timestamp = Some(t.to_owned());
    }
    if let Some(h) = text(node, "hostname") {
        context.hostname = Some(h.to_owned());
    }
    let own = properties(node);
    if own.len() <= MAX_SUITE_PROPERTIES {
        context.properties.extend(own);
    }
    cases_and_suites(node, &context, out)
}

fn cases_and_suites(
    node: &Value,
    context: &Context,
    out: &mut Emit<'_>,
) -> Result<(), ExtractError> {
    for case in children(node, "testcase") {
        testcase(case, context, out)?;
    }
    for nested in children(node, "testsuite") {
        suite(nested, context, out)?;
    }
    Ok(())
}

/// `<properties><property name value/>…</properties>`.
fn properties(node: &Value) -> Vec<(String, String)> {
    children(node, "properties")
        .flat_map(|p| children(p, "property"))
        .filter_map(|p| {
            let value = text(p, "value").or_else(|| text(p, crate::parse::xml::TEXT_KEY));
            Some((text(p, "name")?.to_owned(), value?.to_owned()))
        })
        .collect()
}

fn status(case: &Value) -> &'static str {
    if case.get("failure").is_some() {
        "failed"
    } else if case.get("error").is_some() {
        "error"
    } else if case.get("skipped").is_some() {
        "skipped"
    } else {
        "passed"
    }
}

fn testcase(case: &Value, context: &Context, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    // A case with only text (`<testcase>x</testcase>`) has no attributes.
    let Some(attributes) = case.as_object() else {
        return Ok(());
    };
    if let Some(s) = &context.suite {
        out.dim("suite", s.as_str())?;
    }
    for key in ["classname", "name"] {
        if let Some(v) = text(case, key) {
            out.dim(key, v)?;
        }
    }
    out.dim("status", status(case))?;
    if let Some(t) = &context.timestamp {
        out.dim("timestamp", t.as_str())?;
    }
    if let Some(h) = &context.hostname {
        out.dim("hostname", h.as_str())?;
    }
    for (key, value) in attributes {
        let Some(raw) = value.as_str() else { continue };
        match key.as_str() {
            "classname" | "name" | "status" => {}
            "time" => {
                if let Some(seconds) = number(case, "time") {
                    out.metric_dir("time", seconds, Some("s"), Direction::LowerIsBetter)?;
                }
            }
            "line" => match raw.trim().parse::<i64>() {
                Ok(line) => out.dim("line", line)?,
                Err(_) => out.dim("line", raw.trim())?,
            },
            _ => match number(case, key) {
                Some(v) => out.metric(key, v, None)?,
                None => out.dim(key, raw.trim())?,
            },
        }
    }
    for (key, value) in context.properties.iter().cloned().chain(properties(case)) {
        out.dim(&key, value.as_str())?;
    }
    out.end_record();
    Ok(())
}
