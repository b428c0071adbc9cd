//! The config a request is about, and the cluster it is asked in.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::{LocalBoxFuture, Ready, ready};
use wfm_db::models::Config;
use wfm_db::{DbPool, PooledConn};

use utoipa::openapi::path::ParameterIn;

use super::{FromParams, doc};
use crate::error::{ApiError, ApiResult};
use crate::params::{Params, parse_id};
use crate::{AppState, lookup};

/// The cluster a request is about: `?cluster=`, else the service's own.
#[derive(Debug, Clone)]
pub struct Cluster(pub String);

impl FromRequest for Cluster {
    type Error = ApiError;
    type Future = Ready<ApiResult<Self>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(cluster_of(req))
    }
}

fn cluster_of(req: &HttpRequest) -> ApiResult<Cluster> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no AppState")))?;
    let params = Params::from_request(req)?;
    Ok(Cluster(params.cluster(&state.cluster).to_owned()))
}

/// The config a route is about, from the `{id}` path segment or, on the
/// spec's query forms (`GET /metrics?config_id=1`), the `config_id`
/// parameter; a config of another cluster is a 4040. It holds no
/// connection: actix extracts a body at the same time, and a slow upload must
/// not keep one from the pool; the handler takes one with [`ConfigScope::conn`].
pub struct ConfigScope {
    pub config: Config,
    pub cluster: String,
    pool: DbPool,
}

impl std::fmt::Debug for ConfigScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigScope")
            .field("config", &self.config.id)
            .field("cluster", &self.cluster)
            .finish_non_exhaustive()
    }
}

impl ConfigScope {
    pub fn id(&self) -> i64 {
        self.config.id
    }

    /// A pooled connection for the handler's work.
    pub async fn conn(&self) -> ApiResult<PooledConn> {
        Ok(self.pool.get().await?)
    }
}

impl FromRequest for ConfigScope {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, ApiResult<Self>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = (|| {
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no AppState")))?;
            let params = Params::from_request(req)?;
            let id = match req.match_info().get("id") {
                Some(raw) => parse_id("id", raw)?,
                None => ConfigIdQuery::from_params(&params)?.config_id,
            };
            let cluster = params.cluster(&state.cluster).to_owned();
            Ok::<_, ApiError>((state, id, cluster))
        })();
        Box::pin(async move {
            let (state, id, cluster) = found?;
            let config = lookup::config(&mut *state.conn().await?, id, &cluster).await?;
            Ok(ConfigScope {
                config,
                cluster,
                pool: state.pool.clone(),
            })
        })
    }
}

impl utoipa::IntoParams for Cluster {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        vec![cluster_param()]
    }
}

fn cluster_param() -> utoipa::openapi::path::Parameter {
    doc::param(
        "cluster",
        ParameterIn::Query,
        doc::text(255),
        "The cluster (default: the service's WFM_CLUSTER_NAME); a config of another cluster is a 404.",
    )
}

/// Documents the `{id}` form; the query form (`config_id`) is documented by
/// its routes.
impl utoipa::IntoParams for ConfigScope {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<utoipa::openapi::path::Parameter> {
        vec![
            doc::param("id", ParameterIn::Path, doc::integer(1, None), "config id"),
            cluster_param(),
        ]
    }
}

/// The spec's query forms name the config in the query string.
#[derive(Debug)]
pub struct ConfigIdQuery {
    pub config_id: i64,
}

impl FromParams for ConfigIdQuery {
    fn from_params(params: &Params) -> ApiResult<Self> {
        let config_id = params
            .id("config_id")?
            .ok_or_else(|| ApiError::bad_request("missing config_id"))?;
        Ok(Self { config_id })
    }
}

impl utoipa::IntoParams for ConfigIdQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<utoipa::openapi::path::Parameter> {
        let mut id = doc::param(
            "config_id",
            ParameterIn::Query,
            doc::integer(1, None),
            "config id",
        );
        id.required = utoipa::openapi::Required::True;
        vec![id, cluster_param()]
    }
}
