//! Query-string parameters, parsed one named field at a time so that every
//! refusal names the field: `invalid limit: "abc" is not a whole number`.

use std::rc::Rc;
use std::str::FromStr;

use actix_web::{HttpMessage as _, HttpRequest};
use chrono::{DateTime, Utc};

use crate::error::{ApiError, ApiResult};

/// The parsed query string of one request.
#[derive(Debug, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// The request's parameters, parsed once per request (every extractor
    /// of a handler asks: the cluster, the config, each query type).
    pub fn from_request(req: &HttpRequest) -> ApiResult<Rc<Self>> {
        if let Some(parsed) = req.extensions().get::<Rc<Self>>() {
            return Ok(parsed.clone());
        }
        let parsed = Rc::new(Self::parse(req.query_string())?);
        req.extensions_mut().insert(parsed.clone());
        Ok(parsed)
    }

    pub fn parse(query: &str) -> ApiResult<Self> {
        let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(query)
            .map_err(|e| ApiError::bad_request(format!("invalid query string: {e}")))?;
        if let Some((key, _)) = pairs
            .iter()
            .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        {
            return Err(nul_in(&format!("query parameter {key:?}")));
        }
        let params = Self { pairs };
        if params
            .str("cluster")
            .is_some_and(|c| c.chars().count() > 255)
        {
            return Err(ApiError::bad_request(
                "invalid cluster: longer than 255 characters",
            ));
        }
        Ok(params)
    }

    /// The last value given for `name`, if any and not empty.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// The last value given for `name`, empty or not: `?branch=` asks for
    /// the empty branch, where [`Params::str`] would see nothing.
    pub fn given(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every non-empty value given for `name`, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// Every non-empty `(name, value)` pair, in order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// A list given comma-separated, repeated, or both: `metrics=a,b&metrics=c`.
    pub fn list(&self, name: &str) -> Option<Vec<String>> {
        let items: Vec<String> = self
            .all(name)
            .flat_map(|v| v.split(','))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect();
        (!items.is_empty()).then_some(items)
    }

    /// `name` parsed as `T`; the error names the field and the expected form.
    pub fn parsed<T: FromStr>(&self, name: &str, expected: &str) -> ApiResult<Option<T>> {
        self.str(name)
            .map(|raw| {
                raw.parse().map_err(|_| {
                    ApiError::bad_request(format!("invalid {name}: {raw:?} is not {expected}"))
                })
            })
            .transpose()
    }

    pub fn i64(&self, name: &str) -> ApiResult<Option<i64>> {
        self.parsed(name, "a whole number")
    }

    /// A positive id, when given.
    pub fn id(&self, name: &str) -> ApiResult<Option<i64>> {
        self.str(name).map(|raw| parse_id(name, raw)).transpose()
    }

    /// A time range from `start`/`end`, or the spec's `start_time`/`end_time`.
    pub fn time_range_or_spec(&self) -> ApiResult<TimeRange> {
        let start = if self.str("start").is_some() {
            "start"
        } else {
            "start_time"
        };
        let end = if self.str("end").is_some() {
            "end"
        } else {
            "end_time"
        };
        self.time_range(start, end)
    }

    pub fn bool(&self, name: &str) -> ApiResult<Option<bool>> {
        self.parsed(name, "true or false")
    }

    /// An RFC 3339 time.
    pub fn time(&self, name: &str) -> ApiResult<Option<DateTime<Utc>>> {
        self.str(name).map(|raw| parse_time(name, raw)).transpose()
    }

    /// One of an enum's values; the error lists them.
    pub fn enum_value<T>(&self, name: &str) -> ApiResult<Option<T>>
    where
        T: FromStr<Err = wfm_db::UnknownVariant>,
    {
        self.str(name)
            .map(|raw| {
                raw.parse().map_err(|e: wfm_db::UnknownVariant| {
                    ApiError::bad_request(format!(
                        "invalid {name}: {raw:?}; expected one of: {}",
                        e.expected
                    ))
                })
            })
            .transpose()
    }

    /// The cluster a request is about: `cluster`, else the service's own.
    pub fn cluster<'a>(&'a self, default: &'a str) -> &'a str {
        self.str("cluster").unwrap_or(default)
    }

    /// `offset`/`limit` (or `page`/`page_size`): default 20, at most 100.
    pub fn paging(&self) -> ApiResult<Paging> {
        let page = self.i64("page")?;
        let page_size = self.i64("page_size")?;
        let limit = match (self.i64("limit")?, page_size) {
            (Some(limit), _) => check_range("limit", limit, 1, Paging::MAX_LIMIT)?,
            (None, Some(size)) => check_range("page_size", size, 1, Paging::MAX_LIMIT)?,
            (None, None) => Paging::DEFAULT_LIMIT,
        };
        let offset = match (self.i64("offset")?, page) {
            (Some(offset), _) => check_range("offset", offset, 0, i64::MAX / 2)?,
            (None, Some(page)) => (check_range("page", page, 1, i64::MAX / 200)? - 1) * limit,
            (None, None) => 0,
        };
        Ok(Paging { offset, limit })
    }

    /// A time range from `start_name`/`end_name`; start must not be after end.
    pub fn time_range(&self, start_name: &str, end_name: &str) -> ApiResult<TimeRange> {
        let range = TimeRange {
            start: self.time(start_name)?,
            end: self.time(end_name)?,
        };
        range.check(start_name, end_name)?;
        Ok(range)
    }
}

/// The refusal of a NUL character, which no text column can hold.
pub fn nul_in(what: &str) -> ApiError {
    ApiError::bad_request(format!(
        "invalid {what}: contains a NUL character, which no text field can hold"
    ))
}

/// A page of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub offset: i64,
    pub limit: i64,
}

impl Paging {
    pub const DEFAULT_LIMIT: i64 = 20;
    pub const MAX_LIMIT: i64 = 100;
}

/// An optional start and end; either may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeRange {
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

impl TimeRange {
    pub fn check(&self, start_name: &str, end_name: &str) -> ApiResult<()> {
        match (self.start, self.end) {
            (Some(start), Some(end)) if start > end => Err(ApiError::bad_request(format!(
                "invalid {start_name}: it is after {end_name}"
            ))),
            _ => Ok(()),
        }
    }
}

pub fn parse_time(name: &str, raw: &str) -> ApiResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            ApiError::bad_request(format!(
                "invalid {name}: {raw:?} is not an RFC 3339 time (like 2025-01-01T00:00:00Z)"
            ))
        })
}

/// A path id: a positive whole number.
pub fn parse_id(name: &str, raw: &str) -> ApiResult<i64> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        ApiError::bad_request(format!(
            "invalid {name}: {raw:?} is not a positive whole number"
        ))
    })
}

fn check_range(name: &str, value: i64, min: i64, max: i64) -> ApiResult<i64> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(ApiError::bad_request(format!(
            "invalid {name}: {value} is outside {min}..={max}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(e: ApiError) -> String {
        e.to_string()
    }

    #[test]
    fn paging_defaults_and_caps() {
        let p = Params::parse("").unwrap();
        assert_eq!(
            p.paging().unwrap(),
            Paging {
                offset: 0,
                limit: 20
            }
        );
        let p = Params::parse("page=3&page_size=10").unwrap();
        assert_eq!(
            p.paging().unwrap(),
            Paging {
                offset: 20,
                limit: 10
            }
        );
        let p = Params::parse("offset=5&limit=100").unwrap();
        assert_eq!(
            p.paging().unwrap(),
            Paging {
                offset: 5,
                limit: 100
            }
        );
        let e = Params::parse("limit=101").unwrap().paging().unwrap_err();
        assert_eq!(message(e), "invalid limit: 101 is outside 1..=100");
        let e = Params::parse("limit=abc").unwrap().paging().unwrap_err();
        assert_eq!(message(e), "invalid limit: \"abc\" is not a whole number");
        let e = Params::parse("page=0").unwrap().paging().unwrap_err();
        assert_eq!(
            message(e),
            "invalid page: 0 is outside 1..=46116860184273879"
        );
    }

    #[test]
    fn times_are_rfc3339() {
        let p = Params::parse("start=2025-01-01T00:00:00%2B02:00&end=yesterday").unwrap();
        assert_eq!(
            p.time("start").unwrap().unwrap().to_rfc3339(),
            "2024-12-31T22:00:00+00:00"
        );
        let e = p.time("end").unwrap_err().to_string();
        assert!(e.starts_with("invalid end: \"yesterday\""), "{e}");
        let p = Params::parse("start=2025-02-01T00:00:00Z&end=2025-01-01T00:00:00Z").unwrap();
        let e = p.time_range("start", "end").unwrap_err().to_string();
        assert_eq!(e, "invalid start: it is after end");
    }

    #[test]
    fn enums_list_their_values() {
        let p = Params::parse("status=done").unwrap();
        let e = p
            .enum_value::<wfm_db::RunStatus>("status")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("invalid status: \"done\"; expected one of: pending"),
            "{e}"
        );
    }

    #[test]
    fn nul_characters_are_refused_naming_the_parameter() {
        let e = Params::parse("cluster=%00").unwrap_err().to_string();
        assert_eq!(
            e,
            "invalid query parameter \"cluster\": contains a NUL character, which no text field can hold"
        );
        assert!(Params::parse("a%00b=1").is_err());
        assert!(Params::parse("cluster=ok").is_ok());
    }

    #[test]
    fn ids_are_positive() {
        assert_eq!(parse_id("id", "7").unwrap(), 7);
        assert_eq!(
            parse_id("id", "-1").unwrap_err().to_string(),
            "invalid id: \"-1\" is not a positive whole number"
        );
    }
}
