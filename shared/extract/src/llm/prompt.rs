//! The messages sent to the model.

use crate::format::Format;
use crate::llm::LlmRequest;

pub(crate) const SYSTEM: &str = "You extract benchmark metrics from result files. \
Return one record per benchmark case: `dimensions` hold labels and configuration \
(names, models, batch sizes, sequence lengths, GPU counts), `metrics` hold measured \
numbers (times, throughputs, accuracies) as JSON numbers in the file's own unit. \
Keep field names exactly as the file writes them. Never invent values; leave out a \
metric the file does not give. Answer with JSON only, matching the given JSON schema.

Also write `recipe`: a declarative parser that yields the same records from any file \
of this shape, so later files need no model. Format: {\"select\": S, \"fields\": [F…]}. \
S is one of {\"kind\": \"json\", \"each\": \"/benchmarks/*\"} (a JSON pointer whose \
segments may be * for every array element or object member; \"\" is the whole document; \
JSON Lines: applied to each line), {\"kind\": \"table\"} (each row of the file's tables), \
or {\"kind\": \"lines\", \"pattern\": REGEX, \"context\": [REGEX…]} (each line matching \
pattern is a record; a line matching a context regex sets its named groups for later \
lines; Rust regex syntax, named groups (?P<name>…)). Each F is {\"name\": output name, \
\"from\": source, \"role\": \"dimension\"|\"metric\", \"unit\"?: unit, \"direction\"?: \
\"lower_is_better\"|\"higher_is_better\"}; source is a JSON pointer relative to the \
record (\"stats/mean\"), absolute (\"/context/date\") or \"@key\" (the member name the \
last * matched) for json; a column header for table; a group name for lines. Use the \
same field names as your records. Set recipe to null when no such parser fits.";

/// The user message: file facts, the schema to follow, the config's prompt,
/// then the content (cut to `budget` bytes, at a line break when possible).
pub(crate) fn user_message(request: &LlmRequest<'_>, format: Format, budget: usize) -> String {
    let text = String::from_utf8_lossy(request.bytes);
    let (content, truncated) = truncate(&text, budget);
    let mut message = format!("file_type: {format}\nfile_path: {}\n", request.path);
    match request.schema {
        Some(schema) => {
            let schema = serde_json::to_string(schema).unwrap_or_default();
            message.push_str(&format!(
                "existing_schema (use exactly these dimension_fields and metric_fields, no others; \
                 return this schema unchanged): {schema}\n"
            ));
        }
        None => message.push_str(
            "existing_schema: none (define one: fields, dimension_fields, metric_fields)\n",
        ),
    }
    if let Some(prompt) = request.custom_prompt.filter(|p| !p.trim().is_empty()) {
        message.push_str(&format!("instructions from the user: {prompt}\n"));
    }
    if truncated {
        message.push_str(&format!(
            "note: content truncated to its first {} of {} bytes; extract what it shows\n",
            content.len(),
            text.len()
        ));
    }
    message.push_str("file_content:\n");
    message.push_str(content);
    message
}

/// At most `budget` bytes of `text`, cut at the last line break inside the
/// budget (or a character boundary when a line is longer).
fn truncate(text: &str, budget: usize) -> (&str, bool) {
    if text.len() <= budget {
        return (text, false);
    }
    let mut end = budget;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let cut = text[..end].rfind('\n').map_or(end, |i| i + 1);
    (&text[..cut], true)
}

#[cfg(test)]
mod tests {
    use super::truncate;

    #[test]
    fn truncation_keeps_whole_lines_and_characters() {
        assert_eq!(truncate("a,b\n1,2\n3,4\n", 9), ("a,b\n1,2\n", true));
        assert_eq!(truncate("ééé", 3), ("é", true));
        assert_eq!(truncate("short", 100), ("short", false));
    }
}
