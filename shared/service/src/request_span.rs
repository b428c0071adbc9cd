//! One tracing span per HTTP request, so request handling shows up in logs and,
//! when OTLP export is on, as traces.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use tracing::Instrument;

/// Middleware: wraps the request in an `http_request` span carrying the method,
/// the route pattern (not the raw path, to keep span names bounded) and the status.
pub async fn request_span(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let span = tracing::info_span!(
        "http_request",
        http.method = %req.method(),
        http.route = %route,
        http.status_code = tracing::field::Empty,
    );
    let response = next.call(req).instrument(span.clone()).await?;
    span.record("http.status_code", response.status().as_u16());
    Ok(response)
}
