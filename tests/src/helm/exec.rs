//! Running a parsed template over Helm's data (`.Values`, `.Release`,
//! `.Chart`, `.Files`, `.Template`), with the Helm/Sprig functions the chart
//! uses. Strict where Helm is: a field of nothing is an error, `fail` and
//! `required` stop the render.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde_json::{Map, Value};
use sha2::Digest as _;

use super::parse::{Arg, Node, Pipeline};

/// What a template can reach besides its data.
pub struct Scope<'a> {
    pub defines: &'a HashMap<String, Vec<Node>>,
    /// Named templates of whole files (`include (print $.Template.BasePath "/x.yaml") .`).
    pub files: &'a [(String, Vec<Node>)],
    /// `.Files.Get`: chart-relative path → contents.
    pub chart_files: &'a dyn Fn(&str) -> Option<String>,
}

pub type ExecError = String;

pub fn render(scope: &Scope<'_>, nodes: &[Node], dot: &Value) -> Result<String, ExecError> {
    let mut exec = Exec {
        scope,
        vars: vec![("".into(), dot.clone())],
        depth: 0,
    };
    let mut out = String::new();
    exec.nodes(nodes, dot, &mut out)?;
    Ok(out)
}

struct Exec<'a, 'b> {
    scope: &'a Scope<'b>,
    vars: Vec<(String, Value)>,
    depth: usize,
}

impl Exec<'_, '_> {
    fn nodes(&mut self, nodes: &[Node], dot: &Value, out: &mut String) -> Result<(), ExecError> {
        for node in nodes {
            match node {
                Node::Text(text) => out.push_str(text),
                Node::Action(pipeline) => {
                    let value = self.pipeline(pipeline, dot)?;
                    if pipeline.declare.is_empty() {
                        out.push_str(&display(&value)?);
                    }
                }
                Node::If {
                    branches,
                    otherwise,
                } => {
                    // a variable the condition declares lives until `end`
                    let mark = self.vars.len();
                    let mut taken = false;
                    for (condition, body) in branches {
                        if truthy(&self.pipeline(condition, dot)?) {
                            self.block(body, dot, out)?;
                            taken = true;
                            break;
                        }
                    }
                    if !taken {
                        self.block(otherwise, dot, out)?;
                    }
                    self.vars.truncate(mark);
                }
                Node::With {
                    value,
                    body,
                    otherwise,
                } => {
                    let mark = self.vars.len();
                    let v = self.pipeline(value, dot)?;
                    if truthy(&v) {
                        self.block(body, &v, out)?;
                    } else {
                        self.block(otherwise, dot, out)?;
                    }
                    self.vars.truncate(mark);
                }
                Node::Range {
                    over,
                    body,
                    otherwise,
                } => {
                    let head = Pipeline {
                        declare: Vec::new(),
                        commands: over.commands.clone(),
                    };
                    let items: Vec<(Value, Value)> = match self.pipeline(&head, dot)? {
                        Value::Array(a) => a
                            .into_iter()
                            .enumerate()
                            .map(|(i, v)| (Value::from(i), v))
                            .collect(),
                        // Go ranges over a map in key order
                        Value::Object(m) => {
                            let mut pairs: Vec<(String, Value)> = m.into_iter().collect();
                            pairs.sort_by(|a, b| a.0.cmp(&b.0));
                            pairs
                                .into_iter()
                                .map(|(k, v)| (Value::from(k), v))
                                .collect()
                        }
                        Value::Null => Vec::new(),
                        other => return Err(format!("cannot range over {other}")),
                    };
                    if items.is_empty() {
                        self.block(otherwise, dot, out)?;
                    }
                    for (key, item) in items {
                        let mark = self.vars.len();
                        match over.declare.as_slice() {
                            [] => {}
                            [v] => self.vars.push((v.clone(), item.clone())),
                            [k, v] => {
                                self.vars.push((k.clone(), key));
                                self.vars.push((v.clone(), item.clone()));
                            }
                            _ => return Err("range declares at most two variables".into()),
                        }
                        self.nodes(body, &item, out)?;
                        self.vars.truncate(mark);
                    }
                }
            }
        }
        Ok(())
    }

    /// A block's variables end with it.
    fn block(&mut self, nodes: &[Node], dot: &Value, out: &mut String) -> Result<(), ExecError> {
        let mark = self.vars.len();
        let result = self.nodes(nodes, dot, out);
        self.vars.truncate(mark);
        result
    }

    fn pipeline(&mut self, pipeline: &Pipeline, dot: &Value) -> Result<Value, ExecError> {
        let mut value: Option<Value> = None;
        for command in &pipeline.commands {
            value = Some(self.command(command, dot, value)?);
        }
        let value = value.unwrap_or(Value::Null);
        if let [name] = pipeline.declare.as_slice() {
            self.vars.push((name.clone(), value.clone()));
        }
        Ok(value)
    }

    fn command(
        &mut self,
        args: &[Arg],
        dot: &Value,
        piped: Option<Value>,
    ) -> Result<Value, ExecError> {
        let Some(first) = args.first() else {
            return Err("empty command".into());
        };
        // `.Files.Get "path"`
        if let Arg::Field(path) | Arg::Var(_, path) = first
            && path.len() == 2
            && path[0] == "Files"
            && path[1] == "Get"
        {
            let name = match args.get(1) {
                Some(arg) => self.arg(arg, dot)?,
                None => return Err(".Files.Get needs a path".into()),
            };
            let name = name.as_str().unwrap_or_default();
            return Ok(Value::from(
                (self.scope.chart_files)(name).unwrap_or_default(),
            ));
        }
        let Arg::Func(name) = first else {
            if args.len() > 1 || piped.is_some() {
                return Err(format!("{first:?} is not a function"));
            }
            return self.arg(first, dot);
        };
        // `and`/`or` stop at the first argument that decides (Go 1.18+)
        if name == "and" || name == "or" {
            if piped.is_some() {
                return Err(format!(
                    "piping into {name} is not supported by this renderer"
                ));
            }
            let mut last = Value::Null;
            for arg in &args[1..] {
                last = self.arg(arg, dot)?;
                if truthy(&last) != (name == "and") {
                    return Ok(last);
                }
            }
            return Ok(last);
        }
        let mut values = args[1..]
            .iter()
            .map(|a| self.arg(a, dot))
            .collect::<Result<Vec<_>, _>>()?;
        values.extend(piped);
        self.call(name, values)
    }

    fn arg(&mut self, arg: &Arg, dot: &Value) -> Result<Value, ExecError> {
        match arg {
            Arg::Field(path) => walk(dot, path),
            Arg::Var(name, path) => {
                let value = self
                    .vars
                    .iter()
                    .rev()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| format!("undefined variable ${name}"))?;
                walk(&value, path)
            }
            Arg::Str(s) => Ok(Value::from(s.clone())),
            Arg::Int(n) => Ok(Value::from(*n)),
            Arg::Bool(b) => Ok(Value::from(*b)),
            Arg::Nil => Ok(Value::Null),
            Arg::Func(name) => self.call(name, Vec::new()),
            Arg::Sub(pipeline, path) => {
                let value = self.pipeline(pipeline, dot)?;
                walk(&value, path)
            }
        }
    }

    fn call(&mut self, name: &str, args: Vec<Value>) -> Result<Value, ExecError> {
        let want = |n: usize| -> Result<(), ExecError> {
            if args.len() == n {
                Ok(())
            } else {
                Err(format!("{name} takes {n} arguments, got {}", args.len()))
            }
        };
        let text = |v: &Value| display(v);
        Ok(match name {
            "include" => {
                want(2)?;
                let template = args[0].as_str().unwrap_or_default();
                let body = self
                    .scope
                    .defines
                    .get(template)
                    .or_else(|| {
                        let file = self.scope.files.iter().find(|(name, _)| name == template);
                        file.map(|(_, nodes)| nodes)
                    })
                    .ok_or_else(|| format!("no template {template:?}"))?;
                self.depth += 1;
                if self.depth > 50 {
                    return Err("include nests too deep".into());
                }
                // `$` in the included template is the data it was given
                let mut inner = Exec {
                    scope: self.scope,
                    vars: vec![("".into(), args[1].clone())],
                    depth: self.depth,
                };
                let mut out = String::new();
                inner.nodes(body, &args[1], &mut out)?;
                self.depth -= 1;
                Value::from(out)
            }
            "dict" => {
                let mut map = Map::new();
                for pair in args.chunks(2) {
                    let [k, v] = pair else {
                        return Err("dict takes key/value pairs".into());
                    };
                    map.insert(text(k)?, v.clone());
                }
                Value::Object(map)
            }
            "list" => Value::Array(args),
            "index" => {
                let mut value = args.first().cloned().unwrap_or_default();
                for key in &args[1..] {
                    value = match (&value, key) {
                        (Value::Object(m), Value::String(k)) => {
                            m.get(k).cloned().unwrap_or_default()
                        }
                        (Value::Array(a), Value::Number(n)) => a
                            .get(n.as_u64().unwrap_or(u64::MAX) as usize)
                            .cloned()
                            .ok_or("index out of range")?,
                        (v, k) => return Err(format!("cannot index {v} with {k}")),
                    };
                }
                value
            }
            "default" => {
                want(2)?;
                if truthy(&args[1]) {
                    args[1].clone()
                } else {
                    args[0].clone()
                }
            }
            "empty" => Value::from(!truthy(args.first().unwrap_or(&Value::Null))),
            "not" => Value::from(!truthy(args.first().unwrap_or(&Value::Null))),
            "eq" => Value::from(args.len() >= 2 && args[1..].iter().any(|a| *a == args[0])),
            "ne" => {
                want(2)?;
                Value::from(args[0] != args[1])
            }
            // nil is left out, as Sprig's quote does
            "quote" => Value::from(
                args.iter()
                    .filter(|a| !a.is_null())
                    .map(|a| Ok(quote(&text(a)?)))
                    .collect::<Result<Vec<_>, ExecError>>()?
                    .join(" "),
            ),
            "toString" => Value::from(match args.first() {
                None | Some(Value::Null) => "<nil>".to_owned(),
                Some(v) => text(v)?,
            }),
            "print" => Value::from(sprint(&args)?),
            "int64" => {
                want(1)?;
                match &args[0] {
                    Value::Number(n) => Value::from(n.as_f64().unwrap_or_default().trunc() as i64),
                    Value::String(s) => Value::from(s.trim().parse::<i64>().unwrap_or_default()),
                    Value::Bool(b) => Value::from(i64::from(*b)),
                    _ => Value::from(0),
                }
            }
            "kindIs" => {
                want(2)?;
                Value::from(kind(&args[1]) == text(&args[0])?)
            }
            "printf" => Value::from(printf(&args)?),
            "trunc" => {
                want(2)?;
                let n = args[0].as_u64().ok_or("trunc needs a length")? as usize;
                Value::from(text(&args[1])?.chars().take(n).collect::<String>())
            }
            "trimSuffix" => {
                want(2)?;
                let (suffix, s) = (text(&args[0])?, text(&args[1])?);
                Value::from(s.strip_suffix(suffix.as_str()).unwrap_or(&s).to_owned())
            }
            "join" => {
                want(2)?;
                let items = args[1].as_array().ok_or("join needs a list")?;
                Value::from(
                    items
                        .iter()
                        .map(text)
                        .collect::<Result<Vec<_>, _>>()?
                        .join(&text(&args[0])?),
                )
            }
            "indent" | "nindent" => {
                want(2)?;
                let n = args[0].as_u64().ok_or("indent needs a width")? as usize;
                let pad = " ".repeat(n);
                let body = text(&args[1])?
                    .lines()
                    .map(|l| format!("{pad}{l}"))
                    .collect::<Vec<_>>()
                    .join("\n");
                Value::from(if name == "nindent" {
                    format!("\n{body}")
                } else {
                    body
                })
            }
            "toYaml" => {
                want(1)?;
                Value::from(super::yaml::to_yaml(&args[0]))
            }
            "sha256sum" => {
                want(1)?;
                let digest = sha2::Sha256::digest(text(&args[0])?.as_bytes());
                Value::from(digest.iter().fold(String::new(), |mut s, b| {
                    let _ = write!(s, "{b:02x}");
                    s
                }))
            }
            "required" => {
                want(2)?;
                if args[1].is_null() || args[1] == "" {
                    return Err(format!("required: {}", text(&args[0])?));
                }
                args[1].clone()
            }
            "fail" => {
                return Err(format!(
                    "fail: {}",
                    text(args.first().unwrap_or(&Value::Null))?
                ));
            }
            other => {
                return Err(format!(
                    "function {other:?} is not supported by this renderer"
                ));
            }
        })
    }
}

/// `value.a.b`; a field of nothing is an error, a missing key is nothing.
fn walk(value: &Value, path: &[String]) -> Result<Value, ExecError> {
    let mut current = value;
    for (i, name) in path.iter().enumerate() {
        current = match current {
            Value::Object(m) => m.get(name).unwrap_or(&Value::Null),
            other => {
                return Err(format!(
                    "nil pointer evaluating .{}: {} is {other}",
                    path.join("."),
                    if i == 0 {
                        ".".to_owned()
                    } else {
                        format!(".{}", path[..i].join("."))
                    }
                ));
            }
        };
    }
    Ok(current.clone())
}

/// Go's truth: false, 0, nil and empty strings, lists and maps are false.
pub fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
    }
}

/// Go's kind of a value as Helm holds it: numbers from values are float64,
/// literals in templates int.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "invalid",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int",
        Value::String(_) => "string",
        Value::Array(_) => "slice",
        Value::Object(_) => "map",
    }
}

/// Go's `fmt.Sprint`: a space between two operands when neither is a string.
fn sprint(args: &[Value]) -> Result<String, ExecError> {
    let mut out = String::new();
    for (i, arg) in args.iter().enumerate() {
        if i > 0 && !arg.is_string() && !args[i - 1].is_string() {
            out.push(' ');
        }
        out.push_str(&display(arg)?);
    }
    Ok(out)
}

/// A float64 as Go's `%v` prints it: the shortest form, with an exponent
/// from 1e+06 on (Helm's famous `5.24288e+06`) and below 1e-04.
fn go_float(f: f64) -> String {
    if f == 0.0 || !f.is_finite() {
        return format!("{f}");
    }
    let exp = f.abs().log10().floor() as i32;
    if !(-4..6).contains(&exp) {
        let text = format!("{f:e}"); // 5.24288e6
        let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    format!("{f}")
}

/// How a value prints (Helm prints nothing for a missing one).
fn display(value: &Value) -> Result<String, ExecError> {
    Ok(match value {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => go_float(f),
            _ => n.to_string(),
        },
        Value::String(s) => s.clone(),
        other => return Err(format!("printing a {other} directly: use toYaml")),
    })
}

/// Go's `%q` for the strings the chart quotes.
fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// `%s`, `%d`, `%v` and `%%`.
fn printf(args: &[Value]) -> Result<String, ExecError> {
    let format = args
        .first()
        .and_then(Value::as_str)
        .ok_or("printf needs a format")?;
    let mut rest = args[1..].iter();
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some(verb @ ('s' | 'd' | 'v')) => {
                let arg = rest.next().ok_or("printf: too few arguments")?;
                let fits = match verb {
                    's' => arg.is_string(),
                    'd' => arg.is_i64() || arg.is_u64(),
                    _ => true,
                };
                if !fits {
                    // Go prints `%!s(float64=1.2)` into the manifest
                    return Err(format!("printf: %{verb} of {} {arg}", kind(arg)));
                }
                out.push_str(&display(arg)?);
            }
            other => {
                return Err(format!(
                    "printf: verb %{} is not supported",
                    other.unwrap_or(' ')
                ));
            }
        }
    }
    Ok(out)
}
