//! The store's error type.
//!
//! The variants say who is at fault, so that the API can answer without each caller deciding:
//! [`StoreError::Duplicate`] and [`StoreError::Missing`] are the request's doing (409, and
//! 404 unless the caller knows better), everything else is callhost's (a logged, opaque 500).

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The write would make a second of something unique (a schema, inbox or saved search of
    /// the same name); nothing was written. The message is readable for the user.
    #[error("{0}")]
    Duplicate(String),
    /// Objects a write needed do not exist (or are archived, or are another portal's); the
    /// write was not made.
    #[error("missing objects: {0:?}")]
    Missing(Vec<crate::crm::ObjectRef>),
    /// Something the store relies on did not hold (a row it had just written was gone, an
    /// inbox was not the portal's): a bug or a concurrent change the caller cannot fix.
    #[error("store invariant failed: {0}")]
    Invariant(String),
    /// A statement ran longer than the store's statement timeout and was stopped
    /// ([`crate::StoreOptions`]); nothing it was writing was committed.
    #[error("the statement ran longer than the statement timeout and was stopped")]
    Timeout,
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("invalid database url: {0}")]
    InvalidUrl(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        if is_timeout(&err) {
            StoreError::Timeout
        } else {
            StoreError::Database(err)
        }
    }
}

/// True when the database stopped the statement: PostgreSQL's `query_canceled` (57014, the
/// statement timeout), SQLite's `SQLITE_INTERRUPT` (9, from the progress handler that
/// enforces the timeout there).
pub(crate) fn is_timeout(err: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = err else {
        return false;
    };
    matches!(db.code().as_deref(), Some("57014") | Some("9"))
}

/// True when `err` is a unique-constraint violation, on either backend.
pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// `err` as a [`StoreError::Duplicate`] saying `message` when it is a unique-constraint
/// violation, as itself otherwise.
pub(crate) fn duplicate_as(err: sqlx::Error, message: impl FnOnce() -> String) -> StoreError {
    if is_unique_violation(&err) {
        StoreError::Duplicate(message())
    } else {
        err.into()
    }
}
