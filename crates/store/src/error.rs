//! The store's error type.

/// What can go wrong in the store. Callers map `Conflict` to a 409-class answer, `Missing` to
/// a 4xx naming the objects, and the rest to an opaque internal error.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("conflict: {0}")]
    Conflict(String),
    /// Objects a write needed do not exist (or are archived, or are another portal's); the
    /// write was not made.
    #[error("missing objects: {0:?}")]
    Missing(Vec<crate::crm::ObjectRef>),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("invalid database url: {0}")]
    InvalidUrl(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// True when `err` is a unique-constraint violation, on either backend.
pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}
