//! A recipe proposed by the LLM is used only when it reproduces the LLM's
//! own extraction of the same file: the same number of records, and for
//! every metric the model read, the same values (in any order, to 1e-6
//! relative). The first difference is the reason it is refused.

use crate::extract::Extraction;
use crate::names::match_key;

/// `Ok` when `by_recipe` reproduces `by_model`; otherwise the first
/// difference, in words.
pub fn agrees(by_recipe: &Extraction, by_model: &Extraction) -> Result<(), String> {
    let (mine, theirs) = (by_recipe.records.len(), by_model.records.len());
    if mine != theirs {
        return Err(format!(
            "the recipe gives {mine} records where the LLM's own extraction has {theirs}"
        ));
    }
    for metric in &by_model.schema.metric_fields {
        let key = match_key(metric);
        let Some(ours) = by_recipe
            .schema
            .metric_fields
            .iter()
            .find(|m| match_key(m) == key)
        else {
            return Err(format!("the recipe has no metric `{metric}`"));
        };
        let values = |x: &Extraction, name: &str| {
            let mut v: Vec<f64> = x.records.iter().filter_map(|r| r.metric(name)).collect();
            v.sort_by(f64::total_cmp);
            v
        };
        let (a, b) = (values(by_recipe, ours), values(by_model, metric));
        if a.len() != b.len() {
            return Err(format!(
                "metric `{metric}`: the recipe has {} values, the LLM {}",
                a.len(),
                b.len()
            ));
        }
        if let Some((x, y)) = a
            .iter()
            .zip(&b)
            .find(|(x, y)| (*x - *y).abs() > y.abs().max(x.abs()) * 1e-6)
        {
            return Err(format!(
                "metric `{metric}`: the recipe reads {x} where the LLM read {y}"
            ));
        }
    }
    Ok(())
}
