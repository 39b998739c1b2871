//! Query parameters of the CRM APIs, as both official clients send them: arrays repeated
//! (`properties=a&properties=b`) or comma-separated (`properties=a,b`), booleans as
//! `true`/`false` (Node) or `True`/`False` (Python).

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;

use crate::error::{ApiError, ErrorDetail};

/// The request's query string, decoded into pairs in order.
#[derive(Debug, Default)]
pub struct QueryParams(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        crate::extract::refuse_nul_in_query(query)?;
        Ok(QueryParams(
            url::form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        ))
    }
}

/// The path's parameters by name, as written (percent-decoded).
#[derive(Debug)]
pub struct PathParams(RawPathParams);

impl<S: Send + Sync> FromRequestParts<S> for PathParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let params = crate::extract::path_params(parts, state).await?;
        crate::extract::check_version(&params, parts)?;
        Ok(PathParams(params))
    }
}

impl PathParams {
    /// The parameter `name` (every route names the ones its handler asks for).
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| *k == name)
            .map_or("", |(_, v)| v)
    }
}

fn invalid(name: &str, code: &str, message: String) -> ApiError {
    ApiError::validation(
        format!("Invalid query parameter {name}: {message}"),
        vec![ErrorDetail::field(name, code, message)],
    )
}

impl QueryParams {
    /// Every value of `name`, repeated or comma-separated, without blanks.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// [`QueryParams::list`] without repeats, at most `max` distinct values (a 400 beyond).
    pub fn names(&self, name: &str, max: usize) -> Result<Vec<String>, ApiError> {
        super::limits::distinct(self.list(name), name, max)
    }

    /// The last value of `name`, if any and not blank.
    pub fn one(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// A boolean, case-insensitive; `default` when absent.
    pub fn boolean(&self, name: &str, default: bool) -> Result<bool, ApiError> {
        match self.one(name) {
            None => Ok(default),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(v) => Err(invalid(
                name,
                "INVALID_BOOLEAN",
                format!("expected true or false, got {v:?}"),
            )),
        }
    }

    /// An integer in `1..=max`; `default` when absent.
    pub fn limit(&self, name: &str, default: u32, max: u32) -> Result<u32, ApiError> {
        match self.one(name) {
            None => Ok(default),
            Some(v) => match v.parse::<u32>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(invalid(
                    name,
                    "OUT_OF_RANGE",
                    format!("expected an integer from 1 to {max}, got {v:?}"),
                )),
            },
        }
    }

    /// A paging cursor: an object id after which the next page starts.
    pub fn after(&self) -> Result<Option<i64>, ApiError> {
        match self.one("after") {
            None => Ok(None),
            Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
                invalid(
                    "after",
                    "INVALID_CURSOR",
                    format!("expected a cursor from a previous page, got {v:?}"),
                )
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(q: &str) -> QueryParams {
        QueryParams(
            url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    #[test]
    fn arrays_repeat_or_split_and_booleans_ignore_case() {
        let p = params("properties=a&properties=b,c&archived=True&limit=5");
        assert_eq!(p.list("properties"), ["a", "b", "c"]);
        assert!(p.boolean("archived", false).unwrap());
        assert!(!params("archived=FALSE").boolean("archived", true).unwrap());
        assert!(params("archived=yes").boolean("archived", false).is_err());
        assert_eq!(p.limit("limit", 10, 100).unwrap(), 5);
        assert!(params("limit=101").limit("limit", 10, 100).is_err());
        assert!(params("after=x").after().is_err());
    }
}
