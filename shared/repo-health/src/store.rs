//! The repositories wfm watches, in Postgres: adding, listing, changing and
//! removing them (the API's and the settings' way in). Their collections
//! and history are [`crate::schedule`] and [`crate::history`].

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use wfm_db::schema::{github_repositories as repos, github_repository_collections as coll};

/// Seconds between collections unless a repository says otherwise (the
/// spec's CronJob ran every 15 minutes).
pub const DEFAULT_INTERVAL_SECONDS: i32 = 900;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} is not a repository name (OWNER/NAME, letters, digits, '-', '_', '.')")]
    BadName(String),
    #[error("interval_seconds must be between 60 and 604800, not {0}")]
    BadInterval(i32),
    #[error("{0} is already watched")]
    Duplicate(String),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// A watched repository with the state of its health collection.
#[derive(Debug, Clone, PartialEq, Serialize, Queryable, Selectable, utoipa::ToSchema)]
#[diesel(table_name = repos)]
pub struct Repository {
    pub id: i64,
    pub owner: String,
    pub name: String,
    pub enabled: bool,
    /// Seconds between collections.
    pub interval_seconds: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A repository and where its collection stands.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Watched {
    #[serde(flatten)]
    pub repository: Repository,
    pub collection: CollectionState,
}

#[derive(Debug, Clone, PartialEq, Serialize, Queryable, Selectable, utoipa::ToSchema)]
#[diesel(table_name = coll)]
pub struct CollectionState {
    /// When it is due next (a rate limit moves it to GitHub's reset time).
    pub next_run_at: DateTime<Utc>,
    pub last_collected_at: Option<DateTime<Utc>>,
    /// Failures since the last collection that recorded.
    pub attempts: i32,
    pub last_error: Option<String>,
}

/// What a repository is added with.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRepository {
    /// `OWNER/NAME`.
    pub repository: String,
    #[serde(default)]
    pub interval_seconds: Option<i32>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// What a repository's settings change by (fields left out stay).
#[derive(Debug, Clone, Default, Deserialize, AsChangeset, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[diesel(table_name = repos)]
pub struct RepositoryPatch {
    pub enabled: Option<bool>,
    pub interval_seconds: Option<i32>,
}

/// `OWNER/NAME` split and checked as GitHub names are.
pub fn parse_name(full: &str) -> Result<(String, String), StoreError> {
    wfm_github::split_repository(full.trim())
        .map(|(owner, name)| (owner.to_owned(), name.to_owned()))
        .ok_or_else(|| StoreError::BadName(full.to_owned()))
}

fn check_interval(seconds: Option<i32>) -> Result<(), StoreError> {
    match seconds {
        Some(s) if !(60..=604_800).contains(&s) => Err(StoreError::BadInterval(s)),
        _ => Ok(()),
    }
}

/// Adds a repository; its first collection is due at once.
pub async fn add(
    conn: &mut AsyncPgConnection,
    new: &NewRepository,
) -> Result<Repository, StoreError> {
    let (owner, name) = parse_name(&new.repository)?;
    check_interval(new.interval_seconds)?;
    let added = diesel::insert_into(repos::table)
        .values((
            repos::owner.eq(&owner),
            repos::name.eq(&name),
            repos::enabled.eq(new.enabled.unwrap_or(true)),
            repos::interval_seconds.eq(new.interval_seconds.unwrap_or(DEFAULT_INTERVAL_SECONDS)),
        ))
        .returning(Repository::as_returning())
        .get_result(conn)
        .await;
    match added {
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Err(StoreError::Duplicate(format!("{owner}/{name}"))),
        other => Ok(other?),
    }
}

/// Adds those of `names` not yet watched (the settings' list), each with
/// `interval_seconds`; answers how many were added.
pub async fn ensure(
    conn: &mut AsyncPgConnection,
    names: &[String],
    interval_seconds: i32,
) -> Result<usize, StoreError> {
    check_interval(Some(interval_seconds))?;
    let mut added = 0;
    for full in names {
        let (owner, name) = parse_name(full)?;
        added += diesel::sql_query(
            "INSERT INTO github_repositories (owner, name, interval_seconds) VALUES ($1, $2, $3) \
             ON CONFLICT (lower(owner), lower(name)) DO NOTHING",
        )
        .bind::<diesel::sql_types::Text, _>(owner)
        .bind::<diesel::sql_types::Text, _>(name)
        .bind::<diesel::sql_types::Integer, _>(interval_seconds)
        .execute(conn)
        .await?;
    }
    Ok(added)
}

/// Every watched repository, by name.
pub async fn list(conn: &mut AsyncPgConnection) -> Result<Vec<Watched>, StoreError> {
    let rows: Vec<(Repository, CollectionState)> = repos::table
        .inner_join(coll::table)
        .filter(coll::collection.eq("health"))
        .order((repos::owner, repos::name))
        .select((Repository::as_select(), CollectionState::as_select()))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(repository, collection)| Watched {
            repository,
            collection,
        })
        .collect())
}

/// One watched repository.
pub async fn get(conn: &mut AsyncPgConnection, id: i64) -> Result<Option<Watched>, StoreError> {
    let row: Option<(Repository, CollectionState)> = repos::table
        .inner_join(coll::table)
        .filter(repos::id.eq(id).and(coll::collection.eq("health")))
        .select((Repository::as_select(), CollectionState::as_select()))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(repository, collection)| Watched {
        repository,
        collection,
    }))
}

/// Changes a repository's settings; `None` when there is no such repository.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: i64,
    patch: &RepositoryPatch,
) -> Result<Option<Watched>, StoreError> {
    check_interval(patch.interval_seconds)?;
    if patch.enabled.is_some() || patch.interval_seconds.is_some() {
        diesel::update(repos::table.find(id))
            .set(patch)
            .execute(conn)
            .await?;
    }
    if let Some(seconds) = patch.interval_seconds {
        // a shorter interval takes effect now, not after the old one ran out
        diesel::sql_query(
            "UPDATE github_repository_collections SET next_run_at = LEAST(next_run_at, \
                COALESCE(last_collected_at, now()) + make_interval(secs => $2)) \
             WHERE repository_id = $1",
        )
        .bind::<diesel::sql_types::BigInt, _>(id)
        .bind::<diesel::sql_types::Double, _>(f64::from(seconds))
        .execute(conn)
        .await?;
    }
    get(conn, id).await
}

/// Stops watching a repository; its history goes with it. False: no such one.
pub async fn remove(conn: &mut AsyncPgConnection, id: i64) -> Result<bool, StoreError> {
    let n = diesel::delete(repos::table.find(id)).execute(conn).await?;
    Ok(n > 0)
}

/// Makes a repository's collection due now (its failures forgotten).
/// False: no such repository.
pub async fn collect_now(conn: &mut AsyncPgConnection, id: i64) -> Result<bool, StoreError> {
    let n = diesel::update(coll::table.filter(coll::repository_id.eq(id)))
        .set((coll::next_run_at.eq(diesel::dsl::now), coll::attempts.eq(0)))
        .execute(conn)
        .await?;
    Ok(n > 0)
}
