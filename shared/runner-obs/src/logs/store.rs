//! Where a stored log's gzip lives: in its `github_job_logs` row (the
//! default), or, with `WFM_JOB_LOG_S3_BUCKET` set, in an S3-compatible
//! bucket through the `object_store` crate (AWS S3, MinIO, Ceph, R2…) with
//! the row keeping its key. Keys are `<prefix><job id>.log.gz`: a log
//! fetched twice (a claim that ran out) is written over, never twice.

use std::sync::Arc;

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use wfm_env::{Env, EnvError};

use super::LogError;

/// An S3-compatible bucket's settings (`WFM_JOB_LOG_S3_*`).
#[derive(Clone, PartialEq, Eq)]
pub struct S3Settings {
    pub bucket: String,
    /// Unset: AWS itself.
    pub endpoint: Option<String>,
    pub region: String,
    /// Put before every key (`job-logs/`).
    pub prefix: String,
    /// Unset: the usual AWS sources (`AWS_ACCESS_KEY_ID`…, an instance role).
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("prefix", &self.prefix)
            .field("access_key_id", &self.access_key_id.as_ref().map(|_| "set"))
            .finish_non_exhaustive()
    }
}

impl S3Settings {
    /// `None` when no bucket is set (logs stay in Postgres).
    pub fn from_env(env: &Env) -> Result<Option<Self>, EnvError> {
        let Some(bucket) = env.var("WFM_JOB_LOG_S3_BUCKET") else {
            return Ok(None);
        };
        let endpoint = env.http_url("WFM_JOB_LOG_S3_ENDPOINT")?;
        let access_key_id = env.var("WFM_JOB_LOG_S3_ACCESS_KEY_ID");
        let secret_access_key = env.var("WFM_JOB_LOG_S3_SECRET_ACCESS_KEY");
        if access_key_id.is_some() != secret_access_key.is_some() {
            return Err(EnvError::invalid(
                "WFM_JOB_LOG_S3_SECRET_ACCESS_KEY",
                "(hidden)",
                "set both WFM_JOB_LOG_S3_ACCESS_KEY_ID and WFM_JOB_LOG_S3_SECRET_ACCESS_KEY, or neither",
            ));
        }
        Ok(Some(Self {
            bucket,
            endpoint,
            region: env
                .var("WFM_JOB_LOG_S3_REGION")
                .unwrap_or_else(|| "us-east-1".into()),
            prefix: env
                .var("WFM_JOB_LOG_S3_PREFIX")
                .unwrap_or_else(|| "job-logs/".into()),
            access_key_id,
            secret_access_key,
        }))
    }
}

/// Where logs are kept.
#[derive(Debug, Clone, Default)]
pub enum LogStore {
    #[default]
    Postgres,
    S3 {
        store: Arc<dyn ObjectStore>,
        prefix: String,
    },
}

fn storage_error(e: object_store::Error) -> LogError {
    LogError::Storage(e.to_string())
}

impl LogStore {
    /// The bucket `settings` name, else Postgres.
    pub fn new(settings: Option<&S3Settings>) -> Result<Self, LogError> {
        let Some(s) = settings else {
            return Ok(Self::Postgres);
        };
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&s.bucket)
            .with_region(&s.region)
            // DELETE one by one: every S3-compatible store has it
            .with_config(AmazonS3ConfigKey::DisableBulkDelete, "true");
        if let Some(endpoint) = &s.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        if let (Some(id), Some(secret)) = (&s.access_key_id, &s.secret_access_key) {
            builder = builder
                .with_access_key_id(id)
                .with_secret_access_key(secret);
        }
        Ok(Self::S3 {
            store: Arc::new(builder.build().map_err(storage_error)?),
            prefix: s.prefix.clone(),
        })
    }

    /// Where job `job_id`'s log goes: `None` for its row.
    pub fn key(&self, job_id: i64) -> Option<String> {
        match self {
            Self::Postgres => None,
            Self::S3 { prefix, .. } => Some(format!("{prefix}{job_id}.log.gz")),
        }
    }

    /// Writes `bytes` at `key` (a no-op for Postgres, whose row holds them).
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), LogError> {
        if let Self::S3 { store, .. } = self {
            store
                .put(&Path::from(key), PutPayload::from(bytes))
                .await
                .map_err(storage_error)?;
        }
        Ok(())
    }

    /// The bytes at `key`.
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, LogError> {
        match self {
            Self::Postgres => Err(LogError::Storage(format!(
                "the log is in an S3 bucket ({key}), and none is configured (WFM_JOB_LOG_S3_BUCKET)"
            ))),
            Self::S3 { store, .. } => {
                let got = match store.get(&Path::from(key)).await {
                    Err(object_store::Error::NotFound { .. }) => {
                        return Err(LogError::Missing(key.to_owned()));
                    }
                    got => got.map_err(storage_error)?,
                };
                Ok(got.bytes().await.map_err(storage_error)?.to_vec())
            }
        }
    }

    /// Deletes what is at `keys`; the first failure, if any (the rest are tried).
    pub async fn delete(&self, keys: &[String]) -> Result<(), LogError> {
        let Self::S3 { store, .. } = self else {
            return Ok(());
        };
        let mut first = None;
        for key in keys {
            match store.delete(&Path::from(key.as_str())).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => {
                    first.get_or_insert(e);
                }
            }
        }
        first.map_or(Ok(()), |e| Err(storage_error(e)))
    }
}
