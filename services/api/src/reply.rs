//! The success envelope: `{"meta":{"code":2000},"data":…}`.

use actix_web::HttpResponse;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Meta {
    /// 2000 on success; on errors the HTTP status times ten (4000, 4010, 4030,
    /// 4040, 4050, 4090, 4130, 4150, 5000, 5030).
    code: u32,
}

impl Meta {
    pub(crate) fn new(code: u32) -> Self {
        Self { code }
    }
}

/// Every success: `{"meta":{"code":2000},"data":…}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Envelope<T> {
    meta: Meta,
    data: T,
}

/// 200 with `data` in the envelope.
pub fn ok<T: Serialize>(data: T) -> HttpResponse {
    HttpResponse::Ok().json(Envelope {
        meta: Meta { code: 2000 },
        data,
    })
}

/// 201 with `data` in the envelope (the code stays 2000, as the frontend expects).
pub fn created<T: Serialize>(data: T) -> HttpResponse {
    HttpResponse::Created().json(Envelope {
        meta: Meta { code: 2000 },
        data,
    })
}

/// A list page: the items under `key`, with the paging that produced them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    #[serde(flatten)]
    pub items: T,
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
}
