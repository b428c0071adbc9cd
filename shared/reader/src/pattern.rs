//! Placeholders in file patterns: `{run_id}`, `{job_id}`, `{runner_name}`,
//! `{workload_uid}`, `{head_sha}`, `{branch}`, filled from the run so that on a
//! volume shared by many runs each run finds only its own files.

use crate::{ListError, ListRequest};

/// The run's values for the placeholders; a pattern that needs one the run
/// does not have is refused.
#[derive(Debug, Clone, Default)]
pub struct Placeholders {
    pub run_id: Option<String>,
    pub job_id: Option<String>,
    pub runner_name: Option<String>,
    pub workload_uid: Option<String>,
    pub head_sha: Option<String>,
    pub branch: Option<String>,
}

impl Placeholders {
    fn value(&self, name: &str) -> Result<Option<&str>, ()> {
        let value = match name {
            "run_id" => &self.run_id,
            "job_id" => &self.job_id,
            "runner_name" => &self.runner_name,
            "workload_uid" => &self.workload_uid,
            "head_sha" => &self.head_sha,
            "branch" => &self.branch,
            _ => return Err(()),
        };
        Ok(value.as_deref())
    }
}

/// `pattern` with its placeholders filled (values glob-escaped, so a branch
/// named `feat[1]` matches itself); an error names the reason.
pub fn expand(pattern: &str, values: &Placeholders) -> Result<String, String> {
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or("unclosed `{`")?;
        let name = &after[..close];
        match values.value(name) {
            Err(()) => return Err(format!("unknown placeholder {{{name}}}")),
            Ok(None) => return Err(format!("needs {{{name}}}, which this run does not have")),
            Ok(Some(value)) => {
                if value.contains('/') || value == ".." || value.is_empty() {
                    return Err(format!("{{{name}}} = {value:?} cannot be part of a path"));
                }
                out.push_str(&glob::Pattern::escape(value));
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The pattern with placeholders filled, refused when it could leave the root.
pub(crate) fn checked_pattern(pattern: &str, request: &ListRequest) -> Result<String, ListError> {
    let bad = |reason: String| ListError::BadPattern {
        pattern: pattern.to_owned(),
        reason,
    };
    let filled = expand(pattern, &request.placeholders).map_err(bad)?;
    if filled.starts_with('/') || filled.split('/').any(|part| part == "..") {
        return Err(bad(
            "patterns are relative to the result root and may not contain `..`".to_owned(),
        ));
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_fill_escaped_and_missing_ones_are_refused() {
        let values = Placeholders {
            run_id: Some("42".into()),
            branch: Some("feat[1]".into()),
            ..Placeholders::default()
        };
        assert_eq!(
            expand("runs/{run_id}/**/*.json", &values),
            Ok("runs/42/**/*.json".into())
        );
        assert_eq!(
            expand("{branch}/r.csv", &values),
            Ok("feat[[]1[]]/r.csv".into())
        );
        assert!(expand("{head_sha}/x", &values).is_err_and(|e| e.contains("does not have")));
        assert!(expand("{nope}/x", &values).is_err_and(|e| e.contains("unknown placeholder")));
        let sneaky = Placeholders {
            run_id: Some("../..".into()),
            ..Placeholders::default()
        };
        assert!(expand("{run_id}/x", &sneaky).is_err());
    }
}
