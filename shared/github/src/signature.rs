//! `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`, checked
//! against every configured secret so a secret can be rotated without
//! dropping deliveries.

use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;

/// Why a delivery's signature was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("missing X-Hub-Signature-256 header")]
    Missing,
    #[error("X-Hub-Signature-256 is not `sha256=` and 64 hex digits")]
    Malformed,
    #[error("X-Hub-Signature-256 does not match the body under any configured secret")]
    Mismatch,
}

/// The secrets a delivery may be signed with (the current one and, while
/// rotating, the previous).
#[derive(Clone, Default)]
pub struct WebhookSecrets(Vec<Vec<u8>>);

impl std::fmt::Debug for WebhookSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WebhookSecrets({} configured)", self.0.len())
    }
}

impl WebhookSecrets {
    pub fn new<S: AsRef<[u8]>>(secrets: impl IntoIterator<Item = S>) -> Self {
        Self(
            secrets
                .into_iter()
                .map(|s| s.as_ref().to_vec())
                .filter(|s| !s.is_empty())
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `header` signs `body` under one of the secrets; the digests are
    /// compared in constant time.
    pub fn verify(&self, header: Option<&str>, body: &[u8]) -> Result<(), SignatureError> {
        let header = header.ok_or(SignatureError::Missing)?;
        let digest = header
            .strip_prefix("sha256=")
            .and_then(decode_hex)
            .ok_or(SignatureError::Malformed)?;
        let matches = self.0.iter().any(|secret| {
            let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
                return false;
            };
            mac.update(body);
            mac.verify_slice(&digest).is_ok()
        });
        if matches {
            Ok(())
        } else {
            Err(SignatureError::Mismatch)
        }
    }

    /// `sha256=<hex>` of `body` under the first secret: what GitHub sends
    /// (for tests and load generators).
    pub fn sign(&self, body: &[u8]) -> Option<String> {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.0.first()?).ok()?;
        mac.update(body);
        let digest = mac.finalize().into_bytes();
        Some(format!(
            "sha256={}",
            digest
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        ))
    }
}

/// 32 bytes from 64 hex digits (either case), else `None`.
fn decode_hex(hex: &str) -> Option<[u8; 32]> {
    let hex = hex.as_bytes();
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        let digit = |c: u8| (c as char).to_digit(16);
        *byte = u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "It's a Secret to Everybody";
    // github/docs, "Validating webhook deliveries"
    const DOCS_VECTOR: &str =
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    #[test]
    fn accepts_githubs_test_vector_under_any_configured_secret() {
        let secrets = WebhookSecrets::new([SECRET]);
        assert_eq!(secrets.verify(Some(DOCS_VECTOR), b"Hello, World!"), Ok(()));
        assert_eq!(secrets.sign(b"Hello, World!").as_deref(), Some(DOCS_VECTOR));
        let rotating = WebhookSecrets::new(["the new one", SECRET]);
        assert_eq!(rotating.verify(Some(DOCS_VECTOR), b"Hello, World!"), Ok(()));
        let upper = DOCS_VECTOR.replace("ea0eb", "EA0EB");
        assert_eq!(secrets.verify(Some(&upper), b"Hello, World!"), Ok(()));
    }

    #[test]
    fn refuses_missing_malformed_and_wrong_signatures() {
        let secrets = WebhookSecrets::new([SECRET]);
        let body = b"Hello, World!";
        assert_eq!(secrets.verify(None, body), Err(SignatureError::Missing));
        let no_prefix = DOCS_VECTOR.trim_start_matches("sha256=");
        assert_eq!(
            secrets.verify(Some(no_prefix), body),
            Err(SignatureError::Malformed)
        );
        let sha1 = "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59";
        assert_eq!(
            secrets.verify(Some(sha1), body),
            Err(SignatureError::Malformed)
        );
        let short = &DOCS_VECTOR[..DOCS_VECTOR.len() - 2];
        assert_eq!(
            secrets.verify(Some(short), body),
            Err(SignatureError::Malformed)
        );
        let not_hex = DOCS_VECTOR.replace('7', "g");
        assert_eq!(
            secrets.verify(Some(&not_hex), body),
            Err(SignatureError::Malformed)
        );
        // the wrong-secret vector of fixtures/github/webhooks/signatures.json
        let wrong = "sha256=067a93552fcc479b3b2bb775fdd484b3a14aff50258794160564599b69bb9acf";
        assert_eq!(
            secrets.verify(Some(wrong), body),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            secrets.verify(Some(DOCS_VECTOR), b"Hello, World?"),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            WebhookSecrets::default().verify(Some(DOCS_VECTOR), body),
            Err(SignatureError::Mismatch)
        );
    }
}
