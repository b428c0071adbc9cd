//! What a request carries in, as typed values: [`Query`] (a query-string
//! type that documents the route in OpenAPI and parses it), [`ConfigScope`]
//! (the config a route is about, looked up in the asked cluster), [`Cluster`]
//! and typed path segments (`RunId`, `Uid`, …).
//! Every refusal is a 4000 that names the field.

pub(crate) mod doc;
mod scope;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::{Ready, ready};

use crate::error::{ApiError, ApiResult};
use crate::params::Params;

pub use scope::{Cluster, ConfigIdQuery, ConfigScope};

/// A query-string type: parsed from the request's parameters, one named
/// field at a time (see [`Params`]); the same type derives `IntoParams`, so
/// what the document says is what the route reads.
pub trait FromParams: Sized {
    fn from_params(params: &Params) -> ApiResult<Self>;
}

/// The query string of a request as `T`.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: FromParams> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = Ready<ApiResult<Self>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Params::from_request(req).and_then(|p| T::from_params(&p).map(Query)))
    }
}

/// A typed path segment: `id!(RunId, "run_id")` makes `RunId(i64)`, a
/// positive id read from `{run_id}`; `text!(Uid, "uid")` makes `Uid(String)`.
macro_rules! id {
    ($name:ident, $segment:literal) => {
        impl utoipa::IntoParams for $name {
            fn into_params(
                _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
            ) -> Vec<utoipa::openapi::path::Parameter> {
                crate::input::doc::segment($segment, crate::input::doc::integer(1, None))
            }
        }

        #[doc = concat!("Path segment `{", $segment, "}`: a positive id.")]
        #[derive(Debug, Clone, Copy)]
        pub struct $name(pub i64);

        impl actix_web::FromRequest for $name {
            type Error = crate::error::ApiError;
            type Future = futures_util::future::Ready<crate::error::ApiResult<Self>>;

            fn from_request(
                req: &actix_web::HttpRequest,
                _: &mut actix_web::dev::Payload,
            ) -> Self::Future {
                futures_util::future::ready(
                    crate::input::path_segment(req, $segment)
                        .and_then(|raw| crate::params::parse_id($segment, raw).map($name)),
                )
            }
        }
    };
}

macro_rules! text {
    ($name:ident, $segment:literal) => {
        impl utoipa::IntoParams for $name {
            fn into_params(
                _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
            ) -> Vec<utoipa::openapi::path::Parameter> {
                crate::input::doc::segment($segment, crate::input::doc::text(255))
            }
        }

        #[doc = concat!("Path segment `{", $segment, "}`: text of at most 255 characters.")]
        #[derive(Debug, Clone)]
        pub struct $name(pub String);

        impl actix_web::FromRequest for $name {
            type Error = crate::error::ApiError;
            type Future = futures_util::future::Ready<crate::error::ApiResult<Self>>;

            fn from_request(
                req: &actix_web::HttpRequest,
                _: &mut actix_web::dev::Payload,
            ) -> Self::Future {
                futures_util::future::ready(crate::input::path_segment(req, $segment).and_then(
                    |raw| {
                        if raw.contains('\0') {
                            return Err(crate::params::nul_in($segment));
                        }
                        if raw.chars().count() > 255 {
                            return Err(crate::error::ApiError::bad_request(format!(concat!(
                                "invalid ",
                                $segment,
                                ": longer than 255 characters"
                            ))));
                        }
                        Ok($name(raw.to_owned()))
                    },
                ))
            }
        }
    };
}

id!(RunId, "run_id");
id!(ChangeId, "change_id");
id!(RepositoryId, "repository_id");
id!(JobId, "job_id");
id!(Version, "version");
text!(Uid, "uid");
text!(Namespace, "namespace");
text!(Name, "name");
text!(Owner, "owner");
text!(Dimension, "dimension");
text!(Fingerprint, "fingerprint");

pub(crate) fn path_segment<'a>(req: &'a HttpRequest, name: &str) -> ApiResult<&'a str> {
    req.match_info()
        .get(name)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("route has no {{{name}}} segment")))
}

/// Routes whose only query parameter is `cluster`.
impl FromParams for () {
    fn from_params(_: &Params) -> ApiResult<Self> {
        Ok(())
    }
}

/// `offset`/`limit`, or `page`/`page_size`: default 20, at most 100.
impl FromParams for crate::params::Paging {
    fn from_params(params: &Params) -> ApiResult<Self> {
        params.paging()
    }
}

impl utoipa::IntoParams for crate::params::Paging {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::path::ParameterIn::Query;
        let max = Some(Self::MAX_LIMIT);
        vec![
            doc::param(
                "offset",
                Query,
                doc::integer(0, Some(i64::MAX / 2)),
                "items to skip (default 0)",
            ),
            doc::param(
                "limit",
                Query,
                doc::integer(1, max),
                "items per page (default 20)",
            ),
            doc::param(
                "page",
                Query,
                doc::integer(1, Some(i64::MAX / 200)),
                "1-based page, instead of offset",
            ),
            doc::param("page_size", Query, doc::integer(1, max), "instead of limit"),
        ]
    }
}
