//! The scanner's writes on a real Postgres: a relist ends only what it
//! could have seen, a job's runs are filed on the event that completes it
//! and never again, and oversized values are cut, not refused.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use wfm_db::models::Workload;
use wfm_db::schema::{github_workflow_runs as runs, gpu_workloads as workloads};
use wfm_db::{WorkloadKind, WorkloadStatus};
use wfm_kube::arc::EphemeralRunner;
use wfm_scanner::lifecycle::{self, Seen};
use wfm_scanner::record;
use wfm_testing::TestDb;
use wfm_testing::arc_fixtures::{insert_set_config, load};

const UID: &str = "4b1f2c3d-0a11-4c5e-9f00-aa0000000003";

async fn setup() -> TestDb {
    let db = TestDb::new().await;
    insert_set_config(&db).await;
    db
}

async fn row(db: &TestDb) -> Workload {
    workloads::table
        .filter(workloads::uid.eq(UID))
        .select(Workload::as_select())
        .first(&mut db.connect().await)
        .await
        .expect("the runner's row")
}

async fn runs(db: &TestDb) -> i64 {
    runs::table
        .count()
        .get_result(&mut db.connect().await)
        .await
        .expect("count")
}

#[tokio::test]
async fn a_relist_ends_only_rows_first_seen_before_it_began() {
    let db = setup().await;
    let mut conn = db.connect().await;
    let running: EphemeralRunner = load("ephemeralrunner.running-with-job.yaml");
    let observed = lifecycle::runner(&running, Seen::Present, Utc::now()).unwrap();
    record::observe(&mut conn, "default", &observed, Utc::now())
        .await
        .unwrap();
    let first_seen = row(&db).await.first_seen_at;

    // A relist that began before this row was recorded (another replica's
    // object, created after that list's snapshot) leaves it alone.
    let before = first_seen - chrono::Duration::seconds(1);
    let (ended, filed) = record::vanish(
        &mut conn,
        "default",
        WorkloadKind::EphemeralRunner,
        None,
        &[],
        before,
    )
    .await
    .unwrap();
    assert_eq!((ended, filed), (0, 0));
    assert_eq!(row(&db).await.status, WorkloadStatus::Running);

    // One in another namespace, or one that listed it, leaves it too.
    let after = first_seen + chrono::Duration::seconds(1);
    let elsewhere = vec!["gpu-runners".to_owned()];
    let (ended, _) = record::vanish(
        &mut conn,
        "default",
        WorkloadKind::EphemeralRunner,
        Some(&elsewhere),
        &[],
        after,
    )
    .await
    .unwrap();
    assert_eq!(ended, 0);
    let (ended, _) = record::vanish(
        &mut conn,
        "default",
        WorkloadKind::EphemeralRunner,
        None,
        &[UID.to_owned()],
        after,
    )
    .await
    .unwrap();
    assert_eq!(ended, 0);

    // A relist that began after it and did not list it: it went away unseen.
    let (ended, filed) = record::vanish(
        &mut conn,
        "default",
        WorkloadKind::EphemeralRunner,
        None,
        &[],
        after,
    )
    .await
    .unwrap();
    assert_eq!((ended, filed), (1, 1));
    let ended_row = row(&db).await;
    assert_eq!(ended_row.status, WorkloadStatus::Completed);
    assert!(ended_row.completed_at_approximate);

    // Its DELETED event arriving late changes nothing and files nothing.
    let observed = lifecycle::runner(&running, Seen::Deleted, Utc::now()).unwrap();
    let (_, filed) = record::observe(&mut conn, "default", &observed, Utc::now())
        .await
        .unwrap();
    assert_eq!(filed, 0);
    assert!(
        row(&db).await.completed_at_approximate,
        "the first completion stands"
    );
    assert_eq!(runs(&db).await, 1);
}

#[tokio::test]
async fn runs_are_filed_on_the_completing_event_only() {
    let db = setup().await;
    let mut conn = db.connect().await;
    let deleting: EphemeralRunner = load("ephemeralrunner.deleting-after-job.yaml");
    let now = Utc::now();
    let observed = lifecycle::runner(&deleting, Seen::Present, now).unwrap();
    let (recorded, filed) = record::observe(&mut conn, "default", &observed, now)
        .await
        .unwrap();
    assert_eq!(filed, 1);
    assert_eq!(recorded.status, WorkloadStatus::Completed);
    // First seen already deleting: it started no later than it ended.
    let stored = row(&db).await;
    assert!(stored.started_at <= stored.completed_at, "{stored:?}");
    // The run is gone (say, deleted by hand): a later event does not file it again.
    diesel::delete(runs::table)
        .execute(&mut conn)
        .await
        .unwrap();
    let deleted = lifecycle::runner(&deleting, Seen::Deleted, Utc::now()).unwrap();
    let (_, filed) = record::observe(&mut conn, "default", &deleted, Utc::now())
        .await
        .unwrap();
    assert_eq!(filed, 0);
}

#[tokio::test]
async fn oversized_values_are_cut_to_their_columns() {
    let db = setup().await;
    let mut conn = db.connect().await;
    let mut running: EphemeralRunner = load("ephemeralrunner.running-with-job.yaml");
    let long = "matrix (".to_owned() + &"x".repeat(400) + ")";
    running.status.as_mut().unwrap().job_display_name = Some(long);
    let observed = lifecycle::runner(&running, Seen::Present, Utc::now()).unwrap();
    record::observe(&mut conn, "default", &observed, Utc::now())
        .await
        .unwrap();
    let stored = row(&db).await;
    assert_eq!(stored.github_job_name.map(|n| n.chars().count()), Some(255));
}
