//! Go `text/template` source to a tree: text, `{{ }}` actions with their trim
//! markers, pipelines, and the `if`/`range`/`with`/`define` blocks. Only the
//! language the wfm chart uses; anything else is an error that names it.

use std::collections::HashMap;

/// A template's parts.
#[derive(Debug, Clone)]
pub enum Node {
    Text(String),
    /// `{{ pipeline }}`: printed unless it declares a variable.
    Action(Pipeline),
    If {
        branches: Vec<(Pipeline, Vec<Node>)>,
        otherwise: Vec<Node>,
    },
    Range {
        over: Pipeline,
        body: Vec<Node>,
        otherwise: Vec<Node>,
    },
    With {
        value: Pipeline,
        body: Vec<Node>,
        otherwise: Vec<Node>,
    },
}

/// `$a, $b := cmd | cmd …`
#[derive(Debug, Clone, Default)]
pub struct Pipeline {
    pub declare: Vec<String>,
    pub commands: Vec<Vec<Arg>>,
}

/// One operand of a command.
#[derive(Debug, Clone)]
pub enum Arg {
    /// `.a.b` (empty: `.`)
    Field(Vec<String>),
    /// `$x.a.b` (`$` alone is the root)
    Var(String, Vec<String>),
    Str(String),
    Int(i64),
    Bool(bool),
    Nil,
    /// A function's name.
    Func(String),
    /// `( pipeline ).a.b`
    Sub(Box<Pipeline>, Vec<String>),
}

/// A parse error, with the template's name and line.
pub type ParseError = String;

/// Parses `source`; `define`d templates go into `defines`.
pub fn parse(
    name: &str,
    source: &str,
    defines: &mut HashMap<String, Vec<Node>>,
) -> Result<Vec<Node>, ParseError> {
    let items = split(source).map_err(|e| format!("{name}: {e}"))?;
    let mut parser = Parser {
        items,
        at: 0,
        name,
        defines,
    };
    let (nodes, end) = parser.nodes()?;
    match end {
        Closer::Eof => Ok(nodes),
        other => Err(format!("{name}: unexpected {other:?}")),
    }
}

/// Text and actions, whitespace trimmed where `{{-` / `-}}` say so.
#[derive(Debug)]
enum Item {
    Text(String),
    Action { tokens: Vec<Token>, line: usize },
}

fn split(source: &str) -> Result<Vec<Item>, String> {
    let mut items = Vec::new();
    let mut rest = source;
    let mut trim_next = false;
    let mut line = 1;
    while let Some(open) = rest.find("{{") {
        let mut text = &rest[..open];
        if trim_next {
            text = text.trim_start();
        }
        let after = &rest[open + 2..];
        let trim_before = after.starts_with("- ");
        if trim_before {
            text = text.trim_end();
        }
        line += rest[..open].matches('\n').count();
        items.push(Item::Text(text.to_owned()));
        let close = find_close(after).ok_or_else(|| format!("line {line}: unclosed action"))?;
        let mut inner = &after[..close];
        if trim_before {
            inner = &inner[2..];
        }
        trim_next = inner.ends_with(" -");
        if trim_next {
            inner = &inner[..inner.len() - 2];
        }
        let inner = inner.trim();
        if !(inner.starts_with("/*") && inner.ends_with("*/")) {
            let tokens = tokens(inner).map_err(|e| format!("line {line}: {e}"))?;
            items.push(Item::Action { tokens, line });
        }
        line += after[..close].matches('\n').count();
        rest = &after[close + 2..];
    }
    let text = if trim_next { rest.trim_start() } else { rest };
    items.push(Item::Text(text.to_owned()));
    Ok(items)
}

/// The `}}` ending an action, skipping quoted strings.
fn find_close(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        match (quote, bytes[i]) {
            (Some(b'"'), b'\\') => i += 1,
            (Some(q), c) if c == q => quote = None,
            (None, b'"' | b'`') => quote = Some(bytes[i]),
            (None, b'}') if bytes.get(i + 1) == Some(&b'}') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Field(Vec<String>),
    /// `.a.b` right after `)`: fields of the parenthesized value
    Chain(Vec<String>),
    Var(String, Vec<String>),
    Str(String),
    Int(i64),
    Open,
    Close,
    Pipe,
    Comma,
    Declare,
}

fn tokens(s: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let word_char = |c: char| c.is_alphanumeric() || c == '_';
    // `.a.b` starting at i (after a `.`, `$x` or `)`)
    let fields = |i: &mut usize| -> Vec<String> {
        let mut names = Vec::new();
        while *i < chars.len() && chars[*i] == '.' {
            *i += 1;
            let start = *i;
            while *i < chars.len() && word_char(chars[*i]) {
                *i += 1;
            }
            if *i > start {
                names.push(chars[start..*i].iter().collect());
            }
        }
        names
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                out.push(Token::Open);
                i += 1;
            }
            ')' => {
                out.push(Token::Close);
                i += 1;
                let after = fields(&mut i);
                if !after.is_empty() {
                    out.push(Token::Chain(after));
                }
            }
            '|' => {
                out.push(Token::Pipe);
                i += 1;
            }
            ',' => {
                out.push(Token::Comma);
                i += 1;
            }
            ':' if chars.get(i + 1) == Some(&'=') => {
                out.push(Token::Declare);
                i += 2;
            }
            '.' => out.push(Token::Field(fields(&mut i))),
            '$' => {
                i += 1;
                let start = i;
                while i < chars.len() && word_char(chars[i]) {
                    i += 1;
                }
                let name: String = chars[start..i].iter().collect();
                out.push(Token::Var(name, fields(&mut i)));
            }
            '"' => {
                let mut text = String::new();
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        i += 1;
                        text.push(match chars.get(i) {
                            Some('n') => '\n',
                            Some('t') => '\t',
                            Some(other) => *other,
                            None => return Err("unterminated string".into()),
                        });
                    } else {
                        text.push(chars[i]);
                    }
                    i += 1;
                }
                i += 1;
                out.push(Token::Str(text));
            }
            '`' => {
                let start = i + 1;
                i = start;
                while i < chars.len() && chars[i] != '`' {
                    i += 1;
                }
                out.push(Token::Str(chars[start..i].iter().collect()));
                i += 1;
            }
            c if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) =>
            {
                let start = i;
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                out.push(Token::Int(
                    text.parse().map_err(|e| format!("{text}: {e}"))?,
                ));
            }
            c if word_char(c) => {
                let start = i;
                while i < chars.len() && word_char(chars[i]) {
                    i += 1;
                }
                out.push(Token::Word(chars[start..i].iter().collect()));
            }
            other => return Err(format!("unexpected character {other:?}")),
        }
    }
    Ok(out)
}

/// What ended a list of nodes.
#[derive(Debug)]
enum Closer {
    Eof,
    End,
    Else(Vec<Token>),
}

struct Parser<'a> {
    items: Vec<Item>,
    at: usize,
    name: &'a str,
    defines: &'a mut HashMap<String, Vec<Node>>,
}

impl Parser<'_> {
    fn nodes(&mut self) -> Result<(Vec<Node>, Closer), ParseError> {
        let mut nodes = Vec::new();
        while self.at < self.items.len() {
            let item = std::mem::replace(&mut self.items[self.at], Item::Text(String::new()));
            self.at += 1;
            let (tokens, line) = match item {
                Item::Text(text) => {
                    if !text.is_empty() {
                        nodes.push(Node::Text(text));
                    }
                    continue;
                }
                Item::Action { tokens, line } => (tokens, line),
            };
            let file = self.name;
            let here = |e: String| format!("{file}:{line}: {e}");
            let keyword = match tokens.first() {
                Some(Token::Word(w)) => w.as_str(),
                _ => "",
            };
            let rest = tokens.get(1..).unwrap_or_default();
            match keyword {
                "end" => return Ok((nodes, Closer::End)),
                "else" => return Ok((nodes, Closer::Else(rest.to_vec()))),
                "if" => {
                    let mut branches = vec![(pipeline(rest).map_err(here)?, Vec::new())];
                    let otherwise = loop {
                        let (body, end) = self.nodes()?;
                        if let Some(last) = branches.last_mut() {
                            last.1 = body;
                        }
                        match end {
                            Closer::End => break Vec::new(),
                            Closer::Else(tokens)
                                if tokens.first() == Some(&Token::Word("if".into())) =>
                            {
                                branches.push((pipeline(&tokens[1..]).map_err(here)?, Vec::new()));
                            }
                            Closer::Else(tokens) if tokens.is_empty() => break self.block_end()?,
                            Closer::Else(tokens) => {
                                return Err(here(format!("`else {tokens:?}` is not supported")));
                            }
                            Closer::Eof => return Err(here("`if` without `end`".into())),
                        }
                    };
                    nodes.push(Node::If {
                        branches,
                        otherwise,
                    });
                }
                "range" | "with" => {
                    let head = pipeline(rest).map_err(here)?;
                    let (body, end) = self.nodes()?;
                    let otherwise = match end {
                        Closer::End => Vec::new(),
                        Closer::Else(tokens) if tokens.is_empty() => self.block_end()?,
                        Closer::Else(tokens) => {
                            return Err(here(format!(
                                "`else {tokens:?}` in `{keyword}` is not supported"
                            )));
                        }
                        Closer::Eof => return Err(here(format!("`{keyword}` without `end`"))),
                    };
                    nodes.push(if keyword == "range" {
                        Node::Range {
                            over: head,
                            body,
                            otherwise,
                        }
                    } else {
                        Node::With {
                            value: head,
                            body,
                            otherwise,
                        }
                    });
                }
                "define" => {
                    let Some(Token::Str(name)) = rest.first() else {
                        return Err(here("`define` needs a name".into()));
                    };
                    let name = name.clone();
                    let (body, end) = self.nodes()?;
                    if !matches!(end, Closer::End) {
                        return Err(here(format!("`define {name}` without `end`")));
                    }
                    self.defines.insert(name, body);
                }
                "template" | "block" | "break" | "continue" => {
                    return Err(here(format!(
                        "`{keyword}` is not supported by this renderer (use `include`)"
                    )));
                }
                _ => nodes.push(Node::Action(pipeline(&tokens).map_err(here)?)),
            }
        }
        Ok((nodes, Closer::Eof))
    }

    /// The `else` part of a block, up to its `end`.
    fn block_end(&mut self) -> Result<Vec<Node>, ParseError> {
        let (body, end) = self.nodes()?;
        match end {
            Closer::End => Ok(body),
            other => Err(format!("{}: expected `end`, found {other:?}", self.name)),
        }
    }
}

fn pipeline(tokens: &[Token]) -> Result<Pipeline, String> {
    let mut declare = Vec::new();
    let mut rest = tokens;
    if let Some(at) = tokens.iter().position(|t| *t == Token::Declare) {
        for t in &tokens[..at] {
            match t {
                Token::Var(name, fields) if fields.is_empty() => declare.push(name.clone()),
                Token::Comma => {}
                other => return Err(format!("cannot declare {other:?}")),
            }
        }
        rest = &tokens[at + 1..];
    }
    let (commands, used) = commands(rest)?;
    if used != rest.len() {
        return Err(format!("unexpected {:?}", rest[used]));
    }
    if commands.is_empty() {
        return Err("empty pipeline".into());
    }
    Ok(Pipeline { declare, commands })
}

/// Commands separated by `|`, up to an unmatched `)`; returns how many tokens they took.
fn commands(tokens: &[Token]) -> Result<(Vec<Vec<Arg>>, usize), String> {
    let mut list = vec![Vec::new()];
    let mut i = 0;
    while i < tokens.len() {
        let arg = match &tokens[i] {
            Token::Close => break,
            Token::Pipe => {
                list.push(Vec::new());
                i += 1;
                continue;
            }
            Token::Open => {
                let (inner, used) = commands(&tokens[i + 1..])?;
                i += used + 1;
                if tokens.get(i) != Some(&Token::Close) {
                    return Err("unclosed `(`".into());
                }
                let fields = match tokens.get(i + 1) {
                    Some(Token::Chain(f)) => {
                        i += 1;
                        f.clone()
                    }
                    _ => Vec::new(),
                };
                Arg::Sub(
                    Box::new(Pipeline {
                        declare: Vec::new(),
                        commands: inner,
                    }),
                    fields,
                )
            }
            Token::Field(f) => Arg::Field(f.clone()),
            Token::Var(name, f) => Arg::Var(name.clone(), f.clone()),
            Token::Str(s) => Arg::Str(s.clone()),
            Token::Int(n) => Arg::Int(*n),
            Token::Word(w) => match w.as_str() {
                "true" => Arg::Bool(true),
                "false" => Arg::Bool(false),
                "nil" => Arg::Nil,
                _ => Arg::Func(w.clone()),
            },
            other => return Err(format!("unexpected {other:?}")),
        };
        if let Some(command) = list.last_mut() {
            command.push(arg);
        }
        i += 1;
    }
    if list.iter().any(Vec::is_empty) {
        return Err("empty command in a pipeline".into());
    }
    Ok((list, i))
}
