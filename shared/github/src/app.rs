//! GitHub App authentication: a JWT signed with the app's private key buys an
//! installation token (an hour long), cached and renewed five minutes before
//! it ends.

use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

/// A GitHub App installation wfm acts as.
#[derive(Clone)]
pub struct AppCredentials {
    pub app_id: String,
    pub installation_id: i64,
    key: EncodingKey,
}

impl std::fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppCredentials")
            .field("app_id", &self.app_id)
            .field("installation_id", &self.installation_id)
            .finish_non_exhaustive()
    }
}

/// Why app credentials cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("GitHub App private key: {0}")]
pub struct KeyError(String);

impl AppCredentials {
    /// `private_key_pem`: the key GitHub issued for the app (PKCS#1 or PKCS#8 PEM).
    pub fn new(
        app_id: &str,
        installation_id: i64,
        private_key_pem: &[u8],
    ) -> Result<Self, KeyError> {
        let key =
            EncodingKey::from_rsa_pem(private_key_pem).map_err(|e| KeyError(e.to_string()))?;
        Ok(Self {
            app_id: app_id.to_owned(),
            installation_id,
            key,
        })
    }

    /// The app's JWT: issued a minute back (clock drift), valid nine minutes.
    pub(crate) fn jwt(&self) -> Result<String, KeyError> {
        #[derive(Serialize)]
        struct Claims<'a> {
            iat: i64,
            exp: i64,
            iss: &'a str,
        }
        let now = Utc::now().timestamp();
        let claims = Claims {
            iat: now - 60,
            exp: now + 540,
            iss: &self.app_id,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &self.key)
            .map_err(|e| KeyError(e.to_string()))
    }
}

/// An installation token and when it ends.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct InstallationToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// How long before its end a token is replaced.
const RENEW_BEFORE: Duration = Duration::from_secs(300);

/// The installation token in use, shared by every clone of a client.
#[derive(Debug)]
pub(crate) struct AppAuth {
    pub credentials: AppCredentials,
    pub current: Mutex<Option<InstallationToken>>,
}

impl AppAuth {
    /// The cached token when it has more than [`RENEW_BEFORE`] left.
    pub fn usable(token: &Option<InstallationToken>) -> Option<String> {
        let token = token.as_ref()?;
        let left = token.expires_at - Utc::now();
        (left.to_std().ok()? > RENEW_BEFORE).then(|| token.token.clone())
    }
}
