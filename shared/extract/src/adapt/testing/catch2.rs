//! Catch2's XML reporter (`-r xml`): `<Catch2TestRun>` (Catch2 v3) or
//! `<Catch name>` with `<Group>`s (Catch 1.x/2.x), `<TestCase name>`s, maybe
//! `<Section>`s, and for each `BENCHMARK` a `<BenchmarkResults name samples
//! resamples iterations clockResolution estimatedDuration>` holding
//! `<mean value lowerBound upperBound ci/>`, `<standardDeviation …/>` and
//! `<outliers variance lowMild lowSevere highMild highSevere/>`.
//!
//! One record per benchmark: dimensions `test_case`, `section` (the section
//! path, ` / `-joined, when the benchmark sits in one) and `benchmark`;
//! metrics `mean`, `mean_lowerBound`, `mean_upperBound`,
//! `standardDeviation` (and its bounds), `clockResolution` and
//! `estimatedDuration`, all in ns ("All values in nano seconds", the
//! reporter says) and lower is better; `samples`, `resamples`,
//! `iterations` and `outliers_<attribute>` as the counts they are.

use serde_json::Value;

use super::xmltree::{children, number, text};
use crate::adapt::{Adapter, Emit, Input};
use crate::error::ExtractError;
use crate::format::Format;
use crate::schema::Direction;

pub(crate) const ADAPTER: Adapter = Adapter {
    name: "catch2-xml",
    formats: &[Format::Xml],
    detect,
    read,
};

fn detect(input: &Input<'_>) -> Option<&'static str> {
    let head = input.head();
    let catch_root = head.contains("<Catch2TestRun") || head.contains("<Catch name=");
    (catch_root && input.text.contains("<BenchmarkResults"))
        .then_some("Catch2 XML reporter output with <BenchmarkResults>")
}

fn read(input: &Input<'_>, out: &mut Emit<'_>) -> Result<(), ExtractError> {
    let root = crate::parse::xml::to_value(input.text, false)?;
    visit(&root, None, &[], out)
}

/// Walks groups, test cases and sections down to the benchmarks.
fn visit(
    node: &Value,
    test_case: Option<&str>,
    sections: &[&str],
    out: &mut Emit<'_>,
) -> Result<(), ExtractError> {
    for group in children(node, "Group") {
        visit(group, test_case, sections, out)?;
    }
    for case in children(node, "TestCase") {
        visit(case, text(case, "name"), &[], out)?;
    }
    for section in children(node, "Section") {
        let mut path = sections.to_vec();
        path.extend(text(section, "name"));
        visit(section, test_case, &path, out)?;
    }
    for bench in children(node, "BenchmarkResults") {
        benchmark(bench, test_case, sections, out)?;
    }
    Ok(())
}

fn benchmark(
    bench: &Value,
    test_case: Option<&str>,
    sections: &[&str],
    out: &mut Emit<'_>,
) -> Result<(), ExtractError> {
    if let Some(t) = test_case {
        out.dim("test_case", t)?;
    }
    if !sections.is_empty() {
        out.dim("section", sections.join(" / ").as_str())?;
    }
    if let Some(name) = text(bench, "name") {
        out.dim("benchmark", name)?;
    }
    for estimate in ["mean", "standardDeviation"] {
        for e in children(bench, estimate).take(1) {
            for (key, suffix) in [
                ("value", ""),
                ("lowerBound", "_lowerBound"),
                ("upperBound", "_upperBound"),
            ] {
                if let Some(v) = number(e, key) {
                    let name = format!("{estimate}{suffix}");
                    out.metric_dir(&name, v, Some("ns"), Direction::LowerIsBetter)?;
                }
            }
        }
    }
    for key in ["clockResolution", "estimatedDuration"] {
        if let Some(v) = number(bench, key) {
            out.metric_dir(key, v, Some("ns"), Direction::LowerIsBetter)?;
        }
    }
    for key in ["samples", "resamples", "iterations"] {
        if let Some(v) = number(bench, key) {
            out.metric(key, v, None)?;
        }
    }
    for outliers in children(bench, "outliers").take(1) {
        for key in ["variance", "lowMild", "lowSevere", "highMild", "highSevere"] {
            if let Some(v) = number(outliers, key) {
                out.metric_dir(
                    &format!("outliers_{key}"),
                    v,
                    None,
                    Direction::LowerIsBetter,
                )?;
            }
        }
    }
    out.end_record();
    Ok(())
}
