//! The one error type of every handler, and the error envelope it renders:
//! `{"meta":{"code":N},"message":"…"}` with the HTTP status that matches `N`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use diesel_async::pooled_connection::deadpool::PoolError;
use serde::Serialize;

/// What went wrong, as the client should hear it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A bad field, id, time, enum value or body; the message names the field.
    #[error("{0}")]
    BadRequest(String),
    #[error("missing or invalid bearer token")]
    Unauthenticated,
    #[error("this token may not {0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// A webhook delivery whose signature does not check out.
    #[error("{0}")]
    BadSignature(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A feature the service is not configured for (webhooks without a secret).
    #[error("{0}")]
    Unavailable(String),
    /// A route that exists, asked with a method it does not answer.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// A failure of ours: logged with its cause, answered without it.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest(message.into())
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::NotFound(message.into())
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict(message.into())
    }

    /// The envelope's code: the HTTP status times ten.
    pub fn code(&self) -> u32 {
        u32::from(self.status_code().as_u16()) * 10
    }
}

impl From<diesel::result::Error> for ApiError {
    /// A row that is not there is a 4040; any other database error is ours.
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => Self::NotFound("not found".to_owned()),
            other => Self::Internal(other.into()),
        }
    }
}

impl From<PoolError> for ApiError {
    fn from(e: PoolError) -> Self {
        Self::Internal(e.into())
    }
}

/// Every error: `{"meta":{"code":N},"message":"…"}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    meta: crate::reply::Meta,
    /// What went wrong; a bad field is named.
    message: String,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthenticated | Self::BadSignature(_) => StatusCode::UNAUTHORIZED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            tracing::error!(error = format!("{cause:#}"), "request failed");
        }
        let message = self.to_string();
        let mut response = HttpResponse::build(self.status_code());
        if matches!(self, Self::Unauthenticated) {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        response.json(ErrorBody {
            meta: crate::reply::Meta::new(self.code()),
            message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_status() {
        assert_eq!(ApiError::bad_request("x").code(), 4000);
        assert_eq!(ApiError::Unauthenticated.code(), 4010);
        assert_eq!(ApiError::Forbidden("write").code(), 4030);
        assert_eq!(ApiError::not_found("x").code(), 4040);
        assert_eq!(ApiError::conflict("x").code(), 4090);
        assert_eq!(ApiError::Internal(anyhow::anyhow!("db down")).code(), 5000);
        assert_eq!(ApiError::BadSignature("x".into()).code(), 4010);
        assert_eq!(ApiError::PayloadTooLarge("x".into()).code(), 4130);
        assert_eq!(ApiError::Unavailable("x".into()).code(), 5030);
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let e = ApiError::Internal(anyhow::anyhow!("password=secret"));
        assert_eq!(e.to_string(), "internal error");
    }
}
