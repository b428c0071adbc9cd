//! `POST /v1/webhooks/github`: check the signature, read the event, store the
//! delivery once, answer. Applying it is the processor's work, so this
//! answers in a couple of statements' time.

use actix_web::http::header::CONTENT_LENGTH;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt as _;
use serde::Serialize;
use wfm_github::Event;

use crate::error::{ApiError, ApiResult};
use crate::{AppState, reply};
use wfm_webhooks::store::NewDelivery;

/// Longest `X-GitHub-Delivery` kept (GitHub's are 36-character GUIDs).
const MAX_DELIVERY_ID: usize = 64;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Receipt {
    delivery: String,
    event: String,
    /// `accepted` (stored), `duplicate` (stored before), `ignored` (an event wfm does not read)
    status: &'static str,
}

#[utoipa::path(
    post,
    path = "/webhooks/github",
    tag = "webhooks",
    params(
        ("X-GitHub-Event" = String, Header, description = "ping, workflow_job, workflow_run, installation, installation_repositories; others are acknowledged and ignored"),
        ("X-GitHub-Delivery" = String, Header, description = "the delivery's GUID: a redelivery is stored once"),
        ("X-Hub-Signature-256" = String, Header, description = "sha256=<hex HMAC-SHA256 of the body under a configured secret>"),
    ),
    request_body(description = "the event payload, as JSON or form-encoded `payload=`", content(
        (Object = "application/json"),
        (WebhookForm = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "stored, a duplicate, or ignored", body = crate::reply::Envelope<Receipt>),
        (status = 400, description = "missing headers, or an unreadable payload of a known event (stored with its error)", body = crate::error::ErrorBody),
        (status = 401, description = "missing or wrong signature: nothing stored", body = crate::error::ErrorBody),
        (status = 413, description = "larger than WFM_WEBHOOK_MAX_BODY", body = crate::error::ErrorBody),
        (status = 415, description = "neither JSON nor form-encoded", body = crate::error::ErrorBody),
        (status = 503, description = "no webhook secret configured", body = crate::error::ErrorBody),
    )
)]
pub(crate) async fn receive(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let hooks = &state.webhooks;
    let config = &hooks.config;
    if config.secrets.is_empty() && !config.allow_unsigned {
        hooks.reject("not_configured");
        return Err(ApiError::Unavailable(
            "webhooks are not configured: set WFM_WEBHOOK_SECRETS to the webhook's secret".into(),
        ));
    }
    let body = read_capped(&req, body, config.max_body)
        .await
        .inspect_err(|_| hooks.reject("too_large"))?;
    if !config.secrets.is_empty() {
        let signature = header(&req, "X-Hub-Signature-256");
        if let Err(e) = config.secrets.verify(signature, &body) {
            hooks.reject("signature");
            return Err(ApiError::BadSignature(e.to_string()));
        }
    }
    let event = required_header(&req, "X-GitHub-Event", 64)?;
    let delivery = required_header(&req, "X-GitHub-Delivery", MAX_DELIVERY_ID)?;
    let receipt = |status| {
        hooks.count_receipt(status);
        reply::ok(Receipt {
            delivery: delivery.to_owned(),
            event: event.to_owned(),
            status,
        })
    };
    if !Event::is_known(event) {
        return Ok(receipt("ignored"));
    }
    let payload = json_payload(&req, &body)?;
    let payload = wfm_github::events::without_nul_escapes(&payload);
    let parsed = Event::parse(event, &payload);
    let described = match &parsed {
        Ok(Some(event)) => event.action_and_repository(),
        _ => None,
    };
    let row = NewDelivery {
        delivery_id: delivery.to_owned(),
        event: event.to_owned(),
        action: described.map(|(action, _)| action.to_owned()),
        hook_id: header(&req, "X-GitHub-Hook-ID").and_then(|h| h.parse().ok()),
        repository: described.map(|(_, repository)| repository.to_owned()),
        // an unreadable payload may not be JSON at all: kept as a JSON string then
        is_json: parsed.is_ok()
            || serde_json::from_slice::<serde::de::IgnoredAny>(&payload).is_ok(),
        // No Postgres text holds NUL: a raw 0x00 (only possible in a payload that
        // is not JSON, which stores as text) is kept as U+FFFD.
        payload: String::from_utf8_lossy(&payload).replace('\0', "\u{FFFD}"),
        // a ping has nothing to apply; every other event read is applied
        done: !matches!(parsed, Ok(Some(ref e)) if !matches!(e, Event::Ping)),
        error: parsed.as_ref().err().map(ToString::to_string),
    };
    let stored = hooks
        .store(row)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    match parsed {
        Ok(event) => {
            if stored {
                if let Some(event) = event.filter(|e| !matches!(e, Event::Ping)) {
                    hooks.handoff.put(delivery, event);
                }
                hooks.stored.notify_one();
            }
            Ok(receipt(if stored { "accepted" } else { "duplicate" }))
        }
        Err(e) => {
            // kept with its error, so nothing GitHub sent is lost; counted on /metrics
            tracing::warn!(delivery, event, error = %e, "unreadable webhook payload");
            Err(ApiError::bad_request(e.to_string()))
        }
    }
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

fn required_header<'a>(req: &'a HttpRequest, name: &str, max: usize) -> ApiResult<&'a str> {
    let value = header(req, name)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::bad_request(format!("missing {name} header")))?;
    if value.len() > max {
        return Err(ApiError::bad_request(format!(
            "invalid {name} header: longer than {max} characters"
        )));
    }
    Ok(value)
}

/// The body, refused past `max` bytes (before reading, when Content-Length says so).
async fn read_capped(req: &HttpRequest, mut body: web::Payload, max: usize) -> ApiResult<Vec<u8>> {
    let too_large = || ApiError::PayloadTooLarge(format!("webhook body exceeds {max} bytes"));
    let declared = header(req, CONTENT_LENGTH.as_str()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > max) {
        return Err(too_large());
    }
    // the signature is not checked yet: reserve a little, grow as bytes arrive
    let mut out = Vec::with_capacity(declared.unwrap_or(0).min(64 * 1024));
    while let Some(chunk) = body.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::bad_request(format!("cannot read the request body: {e}")))?;
        if out.len() + chunk.len() > max {
            return Err(too_large());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// GitHub's form-encoded delivery: the JSON payload in one field.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct WebhookForm {
    /// The event payload, JSON.
    payload: String,
}

/// The JSON payload: the body itself, or its `payload` field when form-encoded
/// (GitHub's two content types). The signature covers the body as sent.
fn json_payload(req: &HttpRequest, body: &[u8]) -> ApiResult<Vec<u8>> {
    let essence = crate::body::media_type(req).unwrap_or_else(|| "application/json".to_owned());
    match essence.as_str() {
        "application/json" => Ok(body.to_vec()),
        "application/x-www-form-urlencoded" => {
            let form: WebhookForm = serde_urlencoded::from_bytes(body)
                .map_err(|e| ApiError::bad_request(format!("invalid form body: {e}")))?;
            Ok(form.payload.into_bytes())
        }
        other => Err(ApiError::UnsupportedMediaType(format!(
            "unsupported Content-Type {other}: GitHub sends application/json or application/x-www-form-urlencoded"
        ))),
    }
}
