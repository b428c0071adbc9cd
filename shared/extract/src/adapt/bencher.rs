//! The Bencher Metric Format (BMF): `{case: {measure: {value, lower_value?,
//! upper_value?}}}`, what `bencher run` adapters and many CI scripts write.
//! One record per case and measure would scatter a case's numbers, so a
//! case is one record: `benchmark` = the case name (kept whole: `a::b/c.d`
//! is one name), each measure a metric (`latency`, `throughput`…), its
//! bounds `<measure>_lower_value` / `<measure>_upper_value` (any other
//! numeric bound key likewise: `<measure>_high_value`). BMF carries no
//! unit; the direction is guessed from the measure's name (`latency` lower,
//! `throughput` higher).

use serde_json::{Map, Value};

use super::{Adapter, Emit, Input};
use crate::error::ExtractError;
use crate::format::Format;

pub(crate) const ADAPTERS: &[Adapter] = &[Adapter {
    name: "bencher-metric-format",
    formats: &[Format::Json],
    detect,
    read,
}];

/// A measure object: `value` is a number and every other key a numeric
/// bound. Bencher itself ignores keys it does not know, so writers that say
/// `low_value`/`high_value` (CCF's `bencher.json`) are BMF too; a text
/// field (`"unit": "ms"`) is not.
fn is_measure(v: &Value) -> bool {
    v.as_object().is_some_and(|m| {
        m.get("value").is_some_and(|x| x.is_number() || x.is_null())
            && m.values().all(|x| x.is_number() || x.is_null())
    })
}

fn cases(root: &Value) -> Option<&Map<String, Value>> {
    let map = root.as_object().filter(|m| !m.is_empty())?;
    map.values()
        .all(|case| {
            case.as_object()
                .is_some_and(|measures| !measures.is_empty() && measures.values().all(is_measure))
        })
        .then_some(map)
}

fn detect(input: &Input<'_>) -> Option<&'static str> {
    if !input.head().contains("\"value\"") {
        return None;
    }
    cases(input.json()?).map(|_| "a map of cases to measures of {value, lower_value, upper_value}")
}

fn read(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let Some(cases) = input.json().and_then(cases) else {
        return Ok(());
    };
    for (case, measures) in cases {
        out.dim("benchmark", case.as_str())?;
        for (measure, m) in measures.as_object().into_iter().flatten() {
            for (key, v) in m.as_object().into_iter().flatten() {
                let Some(v) = v.as_f64() else { continue };
                if key == "value" {
                    out.metric(measure, v, None)?;
                } else {
                    out.metric(&format!("{measure}_{key}"), v, None)?;
                }
            }
        }
        out.end_record();
    }
    Ok(())
}
