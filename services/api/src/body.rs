//! JSON request bodies. Every refusal is a 4000 that says where the body went
//! wrong (`invalid JSON body at file_patterns[0]: invalid type: integer…`).

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::StreamExt as _;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult};
use crate::params::nul_in;

/// Bodies larger than this are refused before parsing.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A JSON body parsed as `T`. An empty body reads as `{}`, so bodies whose
/// fields are all optional may be left out.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, ApiResult<Self>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let mut payload = payload.take();
        let declared = check_declared_length(req);
        let json = is_json(req);
        Box::pin(async move {
            declared?;
            let mut body = Vec::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    ApiError::bad_request(format!("cannot read the request body: {e}"))
                })?;
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            // An empty body needs no type (`POST …/enable`); any other must say JSON.
            if !json && !body.iter().all(u8::is_ascii_whitespace) {
                return Err(ApiError::UnsupportedMediaType(
                    "the request body must be JSON, sent with Content-Type: application/json"
                        .to_owned(),
                ));
            }
            parse(&body).map(Json)
        })
    }
}

fn too_large() -> ApiError {
    ApiError::PayloadTooLarge(format!("request body exceeds {MAX_BODY_BYTES} bytes"))
}

/// A 4130 when the request's `Content-Length` is over [`MAX_BODY_BYTES`].
pub fn check_declared_length(req: &HttpRequest) -> ApiResult<()> {
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(n) if n > MAX_BODY_BYTES as u64 => Err(too_large()),
        _ => Ok(()),
    }
}

/// The request's media type (`Content-Type` without parameters, lowercase).
pub(crate) fn media_type(req: &HttpRequest) -> Option<String> {
    let value = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)?
        .to_str()
        .ok()?;
    Some(
        value
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase(),
    )
}

/// `application/json`, or any `…+json` type, with any parameters.
fn is_json(req: &HttpRequest) -> bool {
    media_type(req).is_some_and(|essence| {
        essence == "application/json"
            || (essence.starts_with("application/") && essence.ends_with("+json"))
    })
}

/// Parses `body` as `T`, naming the failing path.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    refuse_nul(body)?;
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." || path == "?" {
            ApiError::bad_request(format!("invalid JSON body: {inner}"))
        } else {
            ApiError::bad_request(format!("invalid JSON body at {path}: {inner}"))
        }
    })?;
    de.end()
        .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))?;
    Ok(value)
}

/// A `\u0000` escape would parse, then fail in Postgres (no text holds NUL):
/// refuse it up front, naming where it is. Raw NUL bytes are invalid JSON already.
fn refuse_nul(body: &[u8]) -> ApiResult<()> {
    let escaped = body
        .windows(6)
        .any(|w| w[..2] == *b"\\u" && w[2..].iter().all(|b| *b == b'0'));
    if !escaped {
        return Ok(());
    }
    // Only a body that holds the escape pays for this second parse.
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Ok(()); // invalid JSON: the typed parse names the error
    };
    match nul_path(&value, String::new()) {
        Some(path) if path.is_empty() => Err(nul_in("JSON body")),
        Some(path) => Err(nul_in(&format!("JSON body at {path}"))),
        None => Ok(()),
    }
}

/// Where in `value` a string or key holds a NUL, as `a.b[2]`.
pub(crate) fn nul_path(value: &serde_json::Value, at: String) -> Option<String> {
    match value {
        serde_json::Value::String(s) if s.contains('\0') => Some(at),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_path(v, format!("{at}[{i}]"))),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
            let here = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            if k.contains('\0') {
                Some(here)
            } else {
                nul_path(v, here)
            }
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        #[allow(dead_code)]
        file_patterns: Vec<String>,
    }

    #[test]
    fn errors_name_the_path() {
        let e = parse::<Body>(br#"{"file_patterns": ["a", 1]}"#).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid JSON body at file_patterns[1]: invalid type: integer `1`"),
            "{e}"
        );
        let e = parse::<Body>(b"").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid JSON body: missing field `file_patterns`"),
            "{e}"
        );
        let e = parse::<Body>(b"{\"file_patterns\": []} x").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid JSON body: trailing characters"),
            "{e}"
        );
    }

    #[test]
    fn nul_escapes_are_refused_naming_the_field() {
        let e = parse::<Body>(br#"{"file_patterns": ["a", "b\u0000"]}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid JSON body at file_patterns[1]: contains a NUL character, which no text field can hold"
        );
        let e = parse::<serde_json::Value>(br#"{"dimensions": {"k\u0000": 1}}"#).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid JSON body at dimensions.k"),
            "{e}"
        );
        // an escaped backslash followed by u0000 is text, not a NUL
        assert!(parse::<serde_json::Value>(br#"{"a": "\\u0000"}"#).is_ok());
    }
}
