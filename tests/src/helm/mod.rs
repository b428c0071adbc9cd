//! The wfm Helm chart rendered without `helm`, which no package registry this
//! project builds from carries: a Go-template renderer for the subset of the
//! template language and Helm/Sprig functions the chart uses (`include`,
//! `define`, `if`/`range`/`with`, `toYaml`, `nindent`…). A template that
//! steps outside it fails to render, naming what is missing — check such a
//! change with `helm template charts/wfm` too.

mod exec;
mod parse;
mod yaml;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use parse::Node;

/// A chart's templates and default values.
#[derive(Debug)]
pub struct Chart {
    dir: PathBuf,
    meta: Value,
    values: Value,
    defines: HashMap<String, Vec<Node>>,
    /// `<chart>/templates/<file>` → its parsed template, in file name order.
    templates: Vec<(String, Vec<Node>)>,
}

/// One rendered template file.
#[derive(Debug)]
pub struct Rendered {
    pub template: String,
    pub text: String,
}

impl Chart {
    /// Reads `Chart.yaml`, `values.yaml` and every file under `templates/`.
    pub fn load(dir: &Path) -> Result<Self, String> {
        let read = |name: &str| {
            std::fs::read_to_string(dir.join(name)).map_err(|e| format!("{name}: {e}"))
        };
        let meta: Value =
            serde_saphyr::from_str(&read("Chart.yaml")?).map_err(|e| format!("Chart.yaml: {e}"))?;
        let values: Value = serde_saphyr::from_str(&read("values.yaml")?)
            .map_err(|e| format!("values.yaml: {e}"))?;
        let name = meta["name"]
            .as_str()
            .ok_or("Chart.yaml has no name")?
            .to_owned();
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("templates"))
            .map_err(|e| format!("templates/: {e}"))?
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        let mut defines = HashMap::new();
        let mut templates = Vec::new();
        for path in files {
            let file = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let template = format!("{name}/templates/{file}");
            let source = std::fs::read_to_string(&path).map_err(|e| format!("{template}: {e}"))?;
            let nodes = parse::parse(&template, &source, &mut defines)?;
            templates.push((template, nodes));
        }
        Ok(Self {
            dir: dir.to_owned(),
            meta,
            values,
            defines,
            templates,
        })
    }

    /// Renders every template (not the `_` partials) with the chart's values
    /// and `overrides` merged over them, as `helm template --set…` would.
    pub fn render(
        &self,
        release: &str,
        namespace: &str,
        overrides: &Value,
    ) -> Result<Vec<Rendered>, String> {
        let mut values = self.values.clone();
        merge(&mut values, overrides);
        as_floats(&mut values);
        let name = self.meta["name"].as_str().unwrap_or_default();
        let chart_files = |path: &str| std::fs::read_to_string(self.dir.join(path)).ok();
        let scope = exec::Scope {
            defines: &self.defines,
            files: &self.templates,
            chart_files: &chart_files,
        };
        let mut rendered = Vec::new();
        for (template, nodes) in &self.templates {
            if template
                .rsplit('/')
                .next()
                .is_some_and(|f| f.starts_with('_'))
            {
                continue;
            }
            let data = json!({
                "Values": values,
                "Release": {"Name": release, "Namespace": namespace, "Service": "Helm",
                            "IsInstall": true, "IsUpgrade": false, "Revision": 1},
                "Chart": {"Name": name, "Version": self.meta["version"],
                          "AppVersion": self.meta["appVersion"]},
                "Template": {"Name": template, "BasePath": format!("{name}/templates")},
            });
            let text =
                exec::render(&scope, nodes, &data).map_err(|e| format!("{template}: {e}"))?;
            rendered.push(Rendered {
                template: template.clone(),
                text,
            });
        }
        Ok(rendered)
    }
}

/// Every Kubernetes object in the rendered files (empty documents skipped).
pub fn objects(rendered: &[Rendered]) -> Result<Vec<Value>, String> {
    let mut objects = Vec::new();
    for file in rendered {
        for (n, doc) in file.text.split("\n---").enumerate() {
            let doc = doc.trim_start_matches("---");
            if doc
                .lines()
                .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
            {
                continue;
            }
            let value: Value = serde_saphyr::from_str(doc)
                .map_err(|e| format!("{} document {n}: {e}\n{doc}", file.template))?;
            if !value.is_null() {
                objects.push(value);
            }
        }
    }
    Ok(objects)
}

/// Numbers as Helm holds values: float64 (so `5242880` prints `5.24288e+06`).
fn as_floats(value: &mut Value) {
    match value {
        Value::Number(n) => {
            if let Some(f) = n.as_f64() {
                *value = Value::from(f);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(as_floats),
        Value::Object(map) => map.values_mut().for_each(as_floats),
        _ => {}
    }
}

/// `over` merged into `base`: maps key by key, anything else replaced; a
/// `null` removes the key (as Helm's value overrides do).
pub fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(base), Value::Object(over)) => {
            for (key, value) in over {
                if value.is_null() {
                    base.remove(key);
                } else {
                    merge(base.entry(key.clone()).or_insert(Value::Null), value);
                }
            }
        }
        (base, over) => *base = over.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_str(source: &str, data: &Value) -> Result<String, String> {
        let mut defines = HashMap::new();
        let nodes = parse::parse("t", source, &mut defines)?;
        let scope = exec::Scope {
            defines: &defines,
            files: &[],
            chart_files: &|_| None,
        };
        exec::render(&scope, &nodes, data)
    }

    #[test]
    fn trims_ranges_and_includes_as_go_does() {
        let data = json!({"m": {"b": 2, "a": 1}, "l": ["x", "y"], "on": true});
        let source = "{{- define \"kv\" -}}\n{{ .k }}={{ .v }}\n{{- end -}}\n\
                      a\n  {{- range $k, $v := .m }}\n  {{ include \"kv\" (dict \"k\" $k \"v\" $v) }}\n  {{- end }}\n\
                      {{ if and .on (eq (index .l 1) \"y\") }}yes{{ else }}no{{ end }}\n\
                      {{ .missing }}|{{ default \"d\" .missing }}|{{ .l | toYaml | nindent 2 }}";
        assert_eq!(
            render_str(source, &data).unwrap(),
            "a\n  a=1\n  b=2\nyes\n|d|\n  - x\n  - \"y\"" // YAML 1.1 would read y as true
        );
    }

    #[test]
    fn numbers_print_as_helm_prints_its_float64_values() {
        let data = json!({"big": 5242880.0, "port": 8080.0, "small": 0.5, "tiny": 0.00001});
        assert_eq!(
            render_str(
                "{{ .big }} {{ .port }} {{ .small }} {{ .tiny }} {{ int64 .big }}",
                &data
            )
            .unwrap(),
            "5.24288e+06 8080 0.5 1e-05 5242880"
        );
        assert_eq!(
            render_str(
                "{{ kindIs \"float64\" .port }} {{ kindIs \"int\" 1 }}",
                &data
            )
            .unwrap(),
            "true true"
        );
        let err = render_str("{{ printf \"%s\" .port }}", &data).unwrap_err();
        assert!(err.contains("%s of float64"), "{err}");
    }

    #[test]
    fn and_stops_before_a_field_of_nothing_and_errors_are_clear() {
        let data = json!({"c": null});
        assert_eq!(render_str("{{ and false .c.x }}", &data).unwrap(), "false");
        let err = render_str("{{ .c.x }}", &data).unwrap_err();
        assert!(err.contains("nil pointer evaluating .c.x"), "{err}");
        let err = render_str("{{ tpl \"x\" . }}", &data).unwrap_err();
        assert!(err.contains("\"tpl\" is not supported"), "{err}");
        let err = render_str("{{ fail \"set x\" }}", &data).unwrap_err();
        assert!(err.contains("set x"), "{err}");
        let err = render_str("{{ with .c }}a{{ else with .d }}b{{ end }}", &data).unwrap_err();
        assert!(err.contains("not supported"), "{err}");
        let err = render_str("{{ if $x := 1 }}{{ end }}{{ $x }}", &data).unwrap_err();
        assert!(err.contains("undefined variable $x"), "{err}");
        let err = render_str("{{ if true }}never closed", &data).unwrap_err();
        assert!(err.contains("without `end`"), "{err}");
    }
}
