//! JSON request bodies. Every refusal is a 4000 that says where the body went
//! wrong (`invalid JSON body at file_patterns[0]: invalid type: integer…`).

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::StreamExt as _;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult};

/// Bodies larger than this are refused before parsing.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A JSON body parsed as `T`. An empty body reads as `{}`, so bodies whose
/// fields are all optional may be left out.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, ApiResult<Self>>;

    fn from_request(_req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let mut payload = payload.take();
        Box::pin(async move {
            let mut body = Vec::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    ApiError::bad_request(format!("cannot read the request body: {e}"))
                })?;
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(ApiError::bad_request(format!(
                        "request body exceeds {MAX_BODY_BYTES} bytes"
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            parse(&body).map(Json)
        })
    }
}

/// Parses `body` as `T`, naming the failing path.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
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
}
