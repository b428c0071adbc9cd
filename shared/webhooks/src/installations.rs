//! GitHub App installations from `installation` and
//! `installation_repositories` events, applied in the order they arrived:
//! `created` records the installation and the repositories it was given,
//! `deleted` marks it deleted and drops its repositories, `suspend` and
//! `unsuspend` set and clear `suspended_at`; repositories are added and
//! removed as the events say. Applying an event twice changes nothing.

use chrono::{DateTime, Utc};
use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl as _};
use wfm_github::events::{
    Installation, InstallationEvent, InstallationRepositoriesEvent, InstalledRepository,
};

type Conn = AsyncPgConnection;

/// Records the installation as `event` describes it.
pub(crate) async fn apply_installation(
    conn: &mut Conn,
    event: &InstallationEvent,
) -> diesel::QueryResult<()> {
    let i = &event.installation;
    let now = Utc::now();
    let (suspended, deleted): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) =
        match event.action.as_str() {
            "deleted" => (i.suspended_at, Some(now)),
            "suspend" => (i.suspended_at.or(Some(now)), None),
            "unsuspend" => (None, None),
            _ => (i.suspended_at, None),
        };
    upsert(conn, i, suspended, deleted).await?;
    match event.action.as_str() {
        "deleted" => {
            diesel::sql_query(
                "DELETE FROM github_app_installation_repositories WHERE installation_id = $1",
            )
            .bind::<BigInt, _>(i.id)
            .execute(conn)
            .await?;
        }
        "created" => add(conn, i.id, &event.repositories).await?,
        _ => {}
    }
    Ok(())
}

/// Adds and removes the repositories `event` names.
pub(crate) async fn apply_repositories(
    conn: &mut Conn,
    event: &InstallationRepositoriesEvent,
) -> diesel::QueryResult<()> {
    let mut i = event.installation.clone();
    if event.repository_selection.is_some() {
        i.repository_selection
            .clone_from(&event.repository_selection);
    }
    upsert(conn, &i, i.suspended_at, None).await?;
    add(conn, i.id, &event.repositories_added).await?;
    let removed: Vec<i64> = event.repositories_removed.iter().map(|r| r.id).collect();
    diesel::sql_query(
        "DELETE FROM github_app_installation_repositories \
         WHERE installation_id = $1 AND repository_id = ANY ($2)",
    )
    .bind::<BigInt, _>(i.id)
    .bind::<Array<BigInt>, _>(removed)
    .execute(conn)
    .await?;
    Ok(())
}

async fn upsert(
    conn: &mut Conn,
    i: &Installation,
    suspended: Option<DateTime<Utc>>,
    deleted: Option<DateTime<Utc>>,
) -> diesel::QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO github_app_installations AS i (installation_id, account_login, account_type, \
            app_id, repository_selection, suspended_at, deleted_at) \
         VALUES ($1, left($2, 255), left($3, 32), $4, left($5, 16), $6, $7) \
         ON CONFLICT (installation_id) DO UPDATE SET account_login = EXCLUDED.account_login, \
            account_type = COALESCE(EXCLUDED.account_type, i.account_type), \
            app_id = COALESCE(EXCLUDED.app_id, i.app_id), \
            repository_selection = COALESCE(EXCLUDED.repository_selection, i.repository_selection), \
            suspended_at = EXCLUDED.suspended_at, \
            deleted_at = COALESCE(i.deleted_at, EXCLUDED.deleted_at)",
    )
    .bind::<BigInt, _>(i.id)
    .bind::<Text, _>(i.account.name())
    .bind::<Nullable<Text>, _>(i.account.kind.as_deref().or(i.target_type.as_deref()))
    .bind::<Nullable<BigInt>, _>(i.app_id)
    .bind::<Nullable<Text>, _>(i.repository_selection.as_deref())
    .bind::<Nullable<Timestamptz>, _>(suspended)
    .bind::<Nullable<Timestamptz>, _>(deleted)
    .execute(conn)
    .await?;
    Ok(())
}

async fn add(
    conn: &mut Conn,
    installation: i64,
    repos: &[InstalledRepository],
) -> diesel::QueryResult<()> {
    if repos.is_empty() {
        return Ok(());
    }
    diesel::sql_query(
        "INSERT INTO github_app_installation_repositories (installation_id, repository_id, full_name) \
         SELECT $1, u.id, left(u.name, 255) FROM unnest($2::int8[], $3::text[]) AS u(id, name) \
         ON CONFLICT (installation_id, repository_id) DO UPDATE SET full_name = EXCLUDED.full_name",
    )
    .bind::<BigInt, _>(installation)
    .bind::<Array<BigInt>, _>(repos.iter().map(|r| r.id).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(repos.iter().map(|r| r.full_name.as_str()).collect::<Vec<_>>())
    .execute(conn)
    .await?;
    Ok(())
}
