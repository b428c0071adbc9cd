//! The demo's benchmark jobs — one nightly job per day, ending last night —
//! and the `workflow_job` deliveries GitHub sends for each (queued,
//! in_progress, completed), built on GitHub's own example payload.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use serde_json::{Value, json};

/// GitHub's example `workflow_job` delivery (fixtures/github, provenance in its README).
const JOB_PAYLOAD: &str = include_str!(
    "../../../../fixtures/github/webhooks/workflow_job/completed.success.with-organization.payload.json"
);

/// The repository and workflow the demo's jobs belong to.
pub const OWNER: &str = "wfm-demo";
pub const REPO: &str = "gpu-benchmarks";
pub const WORKFLOW: &str = "nightly-benchmarks";
const JOB_NAME: &str = "gemm";
const RUNNER_LABEL: &str = "mi300x";

/// One nightly benchmark job.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub run_id: i64,
    pub job_id: i64,
    pub queued_at: DateTime<Utc>,
    pub started_at: DateTime<Utc>,
    pub completed_at: DateTime<Utc>,
    /// Speed of the night's GPUs against the recorded results.
    pub factor: f64,
}

impl Job {
    /// The run's `workload_uid` once wfm files it.
    pub fn workload_uid(&self) -> String {
        format!("github-job-{}", self.job_id)
    }

    /// Where the job writes its files, relative to the results folder (the
    /// config's file pattern is `runs/{run_id}/{job_id}/*`).
    pub fn dir(&self) -> String {
        format!("runs/{}/{}", self.run_id, self.job_id)
    }
}

/// `count` nightly jobs at 02:00 UTC, the last one the latest that has
/// finished by `now`. Ids derive from the day, so playing the demo again
/// redelivers the same jobs (stored once) and adds only the nights that are new.
pub fn nightly(count: u32, now: DateTime<Utc>) -> Vec<Job> {
    let two_am = NaiveTime::from_hms_opt(2, 0, 0).unwrap_or_default();
    // a job queued at 02:00 completes by 02:17 at the latest
    let last_night = (now - Duration::hours(3))
        .date_naive()
        .and_time(two_am)
        .and_utc();
    (0..count)
        .map(|i| {
            let back = i64::from(count - 1 - i);
            let queued_at = last_night - Duration::days(back);
            let day = queued_at.timestamp().div_euclid(86_400);
            let started_at = queued_at + Duration::seconds(20 + (day * 37).rem_euclid(90));
            Job {
                run_id: 7_000_000_000 + day,
                job_id: 8_000_000_000 + day,
                queued_at,
                started_at,
                completed_at: started_at + Duration::seconds(600 + (day * 53).rem_euclid(300)),
                factor: night_factor(day),
            }
        })
        .collect()
}

/// ±1.5 % of night-to-night noise, and one night a week 9 % slower (a
/// regression for the trend table to show). A function of the day alone, so
/// a night's files are the same whenever the demo plays it.
fn night_factor(day: i64) -> f64 {
    let noise = ((day * 7).rem_euclid(11) - 5) as f64 * 0.003;
    let slow_night = if day.rem_euclid(7) == 5 { -0.09 } else { 0.0 };
    1.0 + noise + slow_night
}

/// A delivery as GitHub sends it: id, event name, JSON body.
#[derive(Debug)]
pub struct Delivery {
    pub id: String,
    pub event: &'static str,
    pub body: Vec<u8>,
}

/// GitHub's example delivery the demo's payloads are made from.
pub fn template() -> anyhow::Result<Value> {
    Ok(serde_json::from_str(JOB_PAYLOAD)?)
}

/// The job's three `workflow_job` deliveries, in the order GitHub sends
/// them, made from [`template`].
pub fn deliveries(template: &Value, job: &Job) -> anyhow::Result<Vec<Delivery>> {
    ["queued", "in_progress", "completed"]
        .into_iter()
        .map(|action| {
            let body = serde_json::to_vec(&payload(template, job, action))?;
            Ok(Delivery {
                id: format!("wfm-demo-{}-{action}", job.job_id),
                event: "workflow_job",
                body,
            })
        })
        .collect()
}

fn payload(template: &Value, job: &Job, action: &str) -> Value {
    let mut event = template.clone();
    let full_name = format!("{OWNER}/{REPO}");
    let html = format!("https://github.com/{full_name}");
    let api = format!("https://api.github.com/repos/{full_name}");
    let runner = format!("arc-{RUNNER_LABEL}-{}", job.job_id % 1000);
    let started = action != "queued";
    let completed = action == "completed";
    merge(
        &mut event,
        json!({
            "action": action,
            "workflow_job": {
                "id": job.job_id,
                "run_id": job.run_id,
                "run_attempt": 1,
                "run_url": format!("{api}/actions/runs/{}", job.run_id),
                "url": format!("{api}/actions/jobs/{}", job.job_id),
                "html_url": format!("{html}/actions/runs/{}/job/{}", job.run_id, job.job_id),
                "check_run_url": format!("{api}/check-runs/{}", job.job_id),
                "head_branch": "main",
                "head_sha": commit_sha(job.run_id),
                "name": JOB_NAME,
                "workflow_name": WORKFLOW,
                "status": action,
                "conclusion": if completed { json!("success") } else { Value::Null },
                "created_at": job.queued_at,
                "started_at": if started { job.started_at } else { job.queued_at },
                "completed_at": if completed { json!(job.completed_at) } else { Value::Null },
                "steps": [],
                "labels": ["self-hosted", "linux", RUNNER_LABEL],
                "runner_id": if started { json!(job.job_id % 1000) } else { Value::Null },
                "runner_name": if started { json!(runner) } else { Value::Null },
                "runner_group_id": if started { json!(1) } else { Value::Null },
                "runner_group_name": if started { json!("default") } else { Value::Null },
            },
            "repository": {
                "name": REPO,
                "full_name": full_name,
                "html_url": html,
                "url": api,
                "owner": {"login": OWNER},
            },
            "organization": {"login": OWNER},
        }),
    );
    event
}

/// `patch`'s fields written over `target`'s, objects merged recursively.
fn merge(target: &mut Value, patch: Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                merge(target.entry(key).or_insert(Value::Null), value);
            }
        }
        (target, patch) => *target = patch,
    }
}

/// A commit SHA for the night's run: 40 hex digits that look like one (the
/// console shows the first 8) and are the same each time the night is played.
fn commit_sha(run_id: i64) -> String {
    // splitmix64's finalizer: well-spread bits from consecutive ids
    let mix = |mut z: u64| {
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let id = run_id as u64;
    format!(
        "{:016x}{:016x}{:08x}",
        mix(id),
        mix(id ^ 0x9e37_79b9_7f4a_7c15),
        mix(id.rotate_left(17)) as u32
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use wfm_github::Event;

    fn now() -> DateTime<Utc> {
        "2026-11-24T15:00:00Z".parse().unwrap()
    }

    #[test]
    fn one_job_per_night_up_to_the_last_finished_one_with_ids_from_the_day() {
        let jobs = nightly(3, now());
        let queued: Vec<String> = jobs.iter().map(|j| j.queued_at.to_rfc3339()).collect();
        assert_eq!(
            queued,
            [
                "2026-11-22T02:00:00+00:00",
                "2026-11-23T02:00:00+00:00",
                "2026-11-24T02:00:00+00:00"
            ]
        );
        // before 03:00 the night's job may still run: the night before is the last
        let early = nightly(1, "2026-11-24T02:30:00Z".parse().unwrap());
        assert_eq!(early[0].queued_at.to_rfc3339(), "2026-11-23T02:00:00+00:00");
        for job in nightly(30, now()) {
            assert!(job.completed_at < now(), "{job:?}");
        }
        // the same nights, played a day later, keep their ids
        let later = nightly(4, now() + Duration::days(1));
        assert_eq!(later[..3], jobs[..]);
        for job in &jobs {
            assert!(job.queued_at < job.started_at && job.started_at < job.completed_at);
        }
        // one night in any seven is about 9 % slower
        let week = nightly(7, now());
        let slow = week.iter().filter(|j| j.factor < 0.93).count();
        let usual = week
            .iter()
            .filter(|j| (0.98..1.02).contains(&j.factor))
            .count();
        assert_eq!((slow, usual), (1, 6), "{week:?}");
    }

    #[test]
    fn deliveries_parse_as_github_events_in_order() {
        let job = nightly(1, now()).remove(0);
        let sent = deliveries(&template().unwrap(), &job).unwrap();
        let ids: Vec<&str> = sent.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                format!("wfm-demo-{}-queued", job.job_id),
                format!("wfm-demo-{}-in_progress", job.job_id),
                format!("wfm-demo-{}-completed", job.job_id)
            ]
        );
        let last = Event::parse("workflow_job", &sent[2].body).unwrap();
        let Some(Event::WorkflowJob(event)) = last else {
            panic!("not a job event: {last:?}");
        };
        assert_eq!(event.action, "completed");
        assert_eq!(event.repository.owner_and_name(), (OWNER, REPO));
        let j = event.workflow_job;
        assert_eq!((j.id, j.run_id), (job.job_id, job.run_id));
        assert_eq!(j.workflow_name.as_deref(), Some(WORKFLOW));
        assert_eq!(j.completed_at, Some(job.completed_at));
        assert_eq!(j.conclusion.as_deref(), Some("success"));
        let first = Event::parse("workflow_job", &sent[0].body).unwrap();
        let Some(Event::WorkflowJob(queued)) = first else {
            panic!("not a job event: {first:?}");
        };
        assert_eq!(queued.workflow_job.completed_at, None);
        assert_eq!(queued.workflow_job.runner_name, None);
    }

    #[test]
    fn commit_shas_look_like_shas_and_stay_put() {
        let a = commit_sha(7_000_020_791);
        assert_eq!(a.len(), 40);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(a, commit_sha(7_000_020_791));
        assert_ne!(a[..8], commit_sha(7_000_020_792)[..8]);
    }
}
