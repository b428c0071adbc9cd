//! Runner observability's navigation: organizations → repositories →
//! workflow runs → jobs (with steps), from what the webhooks recorded. The
//! queries are `wfm_runner_obs`'s; these handlers read the request and shape
//! the answer.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use wfm_runner_obs::installations::InstallationView;
use wfm_runner_obs::navigation::{
    self, JobView, Organization, RepositorySummary, RunFilter, RunSummary,
};

use crate::body::Json;
use crate::error::{ApiError, ApiResult};
use crate::input::{FromParams, JobId, Name, Owner, Query, RunId};
use crate::params::{Paging, Params};
use crate::{AppState, reply};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/actions/installations", web::get().to(installations))
        .route("/actions/organizations", web::get().to(organizations))
        .route(
            "/actions/organizations/{owner}/repositories",
            web::get().to(repositories),
        )
        .route(
            "/actions/repositories/{owner}/{name}/runs",
            web::get().to(runs),
        )
        .route(
            "/actions/repositories/{owner}/{name}/runs/{run_id}/jobs",
            web::get().to(jobs),
        )
        .route("/actions/jobs/{job_id}", web::get().to(job))
        .route("/actions/jobs/{job_id}/logs", web::get().to(logs))
        .route("/actions/jobs/{job_id}/resources", web::get().to(resources))
        .route("/actions/jobs/{job_id}/analyze", web::post().to(analyze))
        .route("/actions/jobs/{job_id}/analyses", web::get().to(analyses))
        .route(crate::auth::SAMPLES_PATH, web::post().to(post_samples));
}

#[derive(Serialize, utoipa::ToSchema)]
struct InstallationList {
    installations: Vec<InstallationView>,
}

/// The GitHub App installations the `installation` and
/// `installation_repositories` webhooks reported (deleted ones too, marked),
/// with their repositories.
#[utoipa::path(
    get,
    path = "/actions/installations",
    operation_id = "list_installations",
    tag = "actions",
    responses((status = 200, description = "success", body = crate::reply::Envelope<InstallationList>))
)]
pub(crate) async fn installations(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let installations = wfm_runner_obs::installations::list(&mut conn).await?;
    Ok(reply::ok(InstallationList { installations }))
}

#[derive(Serialize, utoipa::ToSchema)]
struct OrganizationList {
    organizations: Vec<Organization>,
}

/// The organizations (and users) whose repositories' runs the webhooks
/// recorded, busiest first.
#[utoipa::path(
    get,
    path = "/actions/organizations",
    operation_id = "list_organizations",
    tag = "actions",
    responses((status = 200, description = "success", body = crate::reply::Envelope<OrganizationList>))
)]
pub(crate) async fn organizations(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let organizations = navigation::organizations(&mut conn).await?;
    Ok(reply::ok(OrganizationList { organizations }))
}

#[derive(Serialize, utoipa::ToSchema)]
struct RepositoryList {
    repositories: Vec<RepositorySummary>,
}

/// The repositories of an organization, most recently run first (404 when
/// no run of it was recorded).
#[utoipa::path(
    get,
    path = "/actions/organizations/{owner}/repositories",
    operation_id = "list_organization_repositories",
    tag = "actions",
    params(crate::input::Owner),
    responses((status = 200, description = "success", body = crate::reply::Envelope<RepositoryList>))
)]
pub(crate) async fn repositories(
    state: web::Data<AppState>,
    Owner(owner): Owner,
) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let repositories = navigation::repositories(&mut conn, &owner).await?;
    if repositories.is_empty() {
        return Err(ApiError::not_found(format!(
            "no workflow run of organization {owner} was recorded"
        )));
    }
    Ok(reply::ok(RepositoryList { repositories }))
}

/// Filters of a repository's runs.
#[derive(Debug, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct RunQuery {
    /// `queued`, `in_progress`, `completed`…
    status: Option<String>,
    /// `success`, `failure`, `cancelled`…
    conclusion: Option<String>,
    branch: Option<String>,
    /// The workflow's name.
    workflow: Option<String>,
}

impl FromParams for RunQuery {
    fn from_params(params: &Params) -> ApiResult<Self> {
        let text = |name: &str| -> ApiResult<Option<String>> {
            match params.str(name) {
                Some(v) if v.contains('\0') => Err(crate::params::nul_in(name)),
                Some(v) if v.chars().count() > 255 => Err(ApiError::bad_request(format!(
                    "invalid {name}: longer than 255 characters"
                ))),
                v => Ok(v.map(str::to_owned)),
            }
        };
        Ok(Self {
            status: text("status")?,
            conclusion: text("conclusion")?,
            branch: text("branch")?,
            workflow: text("workflow")?,
        })
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct RunList {
    runs: Vec<RunSummary>,
}

/// A repository's workflow run attempts, newest first, with their jobs
/// counted; runs known only from their jobs are put together from them.
#[utoipa::path(
    get,
    path = "/actions/repositories/{owner}/{name}/runs",
    operation_id = "list_repository_runs",
    tag = "actions",
    params(crate::input::Owner, crate::input::Name, crate::params::Paging, RunQuery),
    responses((status = 200, description = "success", body = crate::reply::Envelope<reply::Page<RunList>>))
)]
pub(crate) async fn runs(
    state: web::Data<AppState>,
    Owner(owner): Owner,
    Name(name): Name,
    Query(paging): Query<Paging>,
    Query(query): Query<RunQuery>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let filter = RunFilter {
        status: query.status,
        conclusion: query.conclusion,
        branch: query.branch,
        workflow: query.workflow,
        offset: paging.offset,
        limit: paging.limit,
    };
    let (runs, total) = navigation::runs(&mut conn, &format!("{owner}/{name}"), &filter).await?;
    Ok(reply::ok(reply::Page {
        items: RunList { runs },
        total,
        offset: paging.offset,
        limit: paging.limit,
    }))
}

/// Which attempt of a run.
#[derive(Debug, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AttemptQuery {
    /// The run attempt; default the newest.
    #[param(minimum = 1)]
    attempt: Option<i32>,
}

impl FromParams for AttemptQuery {
    fn from_params(params: &Params) -> ApiResult<Self> {
        let attempt = params.parsed::<i32>("attempt", "a positive integer")?;
        if attempt.is_some_and(|a| a < 1) {
            return Err(ApiError::bad_request(
                "invalid attempt: must be a positive integer",
            ));
        }
        Ok(Self { attempt })
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct JobList {
    jobs: Vec<JobView>,
}

/// The jobs of a run (GitHub's run id), with their steps, runner, labels
/// and timings (404 when none was recorded).
#[utoipa::path(
    get,
    path = "/actions/repositories/{owner}/{name}/runs/{run_id}/jobs",
    operation_id = "list_run_jobs",
    tag = "actions",
    params(crate::input::Owner, crate::input::Name, crate::input::RunId, AttemptQuery),
    responses((status = 200, description = "success", body = crate::reply::Envelope<JobList>))
)]
pub(crate) async fn jobs(
    state: web::Data<AppState>,
    Owner(owner): Owner,
    Name(name): Name,
    RunId(run): RunId,
    Query(query): Query<AttemptQuery>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let repository = format!("{owner}/{name}");
    let jobs = navigation::jobs_of_run(&mut conn, &repository, run, query.attempt).await?;
    if jobs.is_empty() {
        return Err(ApiError::not_found(format!(
            "no job of run {run} of {repository} was recorded"
        )));
    }
    Ok(reply::ok(JobList { jobs }))
}

/// One job (GitHub's job id) with its steps.
#[utoipa::path(
    get,
    path = "/actions/jobs/{job_id}",
    operation_id = "get_job",
    tag = "actions",
    params(crate::input::JobId),
    responses((status = 200, description = "success", body = crate::reply::Envelope<JobView>))
)]
pub(crate) async fn job(state: web::Data<AppState>, JobId(id): JobId) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    Ok(reply::ok(recorded_job(&mut conn, id).await?))
}

/// Job `id` (GitHub's), or the 404 every job route answers.
async fn recorded_job(conn: &mut diesel_async::AsyncPgConnection, id: i64) -> ApiResult<JobView> {
    navigation::job(conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("job {id} not found")))
}

/// What part of a job's log to return.
#[derive(Debug, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct LogParams {
    /// Only this step's part of the log (the step's number).
    #[param(minimum = 1)]
    step: Option<i64>,
    /// Byte offset in the part asked for (default 0).
    #[param(minimum = 0)]
    start: Option<u64>,
    /// Bytes to return (default 1 MiB, at most 8 MiB).
    #[param(minimum = 1, maximum = 8388608)]
    length: Option<u64>,
    /// Return the lines holding this text (ASCII case ignored), not the text.
    q: Option<String>,
}

impl FromParams for LogParams {
    fn from_params(params: &Params) -> ApiResult<Self> {
        let step = params.parsed::<i64>("step", "a step number")?;
        if step.is_some_and(|s| s < 1) {
            return Err(ApiError::bad_request(
                "invalid step: must be a positive integer",
            ));
        }
        let start = params.parsed::<u64>("start", "a byte offset")?;
        let length = params.parsed::<u64>("length", "a number of bytes")?;
        let max = wfm_runner_obs::logs::read::MAX_LENGTH as u64;
        if length.is_some_and(|n| n == 0 || n > max) {
            return Err(ApiError::bad_request(format!(
                "invalid length: must be 1 to {max} bytes"
            )));
        }
        let q = match params.str("q") {
            Some(v) if v.contains('\0') => return Err(crate::params::nul_in("q")),
            Some(v) if v.chars().count() > 255 => {
                return Err(ApiError::bad_request(
                    "invalid q: longer than 255 characters",
                ));
            }
            v => v.map(str::to_owned),
        };
        Ok(Self {
            step,
            start,
            length,
            q,
        })
    }
}

/// A job's log: its state (`pending` until a collector fetched it,
/// `stored`, `unavailable`, `expired`), each step's part of it, and a byte
/// range of the whole log or of one step (`step`), or with `q` the lines
/// holding a term. 404 when no log of the job is recorded (it is fetched
/// when the job completes on a runner).
#[utoipa::path(
    get,
    path = "/actions/jobs/{job_id}/logs",
    operation_id = "job_log",
    tag = "actions",
    params(crate::input::JobId, LogParams),
    responses((status = 200, description = "success", body = crate::reply::Envelope<wfm_runner_obs::logs::read::JobLog>))
)]
pub(crate) async fn logs(
    state: web::Data<AppState>,
    JobId(id): JobId,
    Query(params): Query<LogParams>,
) -> ApiResult<HttpResponse> {
    use wfm_runner_obs::logs::{LogError, read};
    let mut conn = state.conn().await?;
    let job = recorded_job(&mut conn, id).await?;
    let query = read::LogQuery {
        step: params.step,
        start: usize::try_from(params.start.unwrap_or(0)).unwrap_or(usize::MAX),
        length: params.length.map_or(read::DEFAULT_LENGTH, |n| n as usize),
        search: params.q,
    };
    match read::read(&mut conn, &state.log_store, &job, &query).await {
        Ok(Some(log)) => Ok(reply::ok(log)),
        Ok(None) => Err(ApiError::not_found(format!(
            "no log of job {id} is recorded: logs are fetched when a job completes on a runner"
        ))),
        Err(e @ LogError::NoStep { .. }) => Err(ApiError::not_found(e.to_string())),
        Err(e) => Err(ApiError::Internal(e.into())),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct Stored {
    /// Samples stored (one posted before is not stored again).
    stored: usize,
    received: usize,
}

/// Resource samples of the runner a job runs on, posted from the job (a
/// sample token, `WFM_RUNNER_METRICS_TOKENS`, or an admin token). Keyed by
/// what the job knows of itself: `$GITHUB_REPOSITORY`, `$GITHUB_RUN_ID`,
/// `$GITHUB_RUN_ATTEMPT`, `$RUNNER_NAME`. Posting the same samples again
/// stores nothing twice.
#[utoipa::path(
    post,
    path = "/actions/runner-metrics",
    operation_id = "post_runner_metrics",
    tag = "actions",
    request_body = wfm_runner_obs::resources::SampleBatch,
    responses((status = 201, description = "stored", body = crate::reply::Envelope<Stored>))
)]
pub(crate) async fn post_samples(
    state: web::Data<AppState>,
    Json(batch): Json<wfm_runner_obs::resources::SampleBatch>,
) -> ApiResult<HttpResponse> {
    batch
        .check()
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let mut conn = state.conn().await?;
    let stored = wfm_runner_obs::resources::store(&mut conn, &batch).await?;
    Ok(reply::created(Stored {
        stored,
        received: batch.samples.len(),
    }))
}

/// A job's runner resource samples (oldest first) with their mean and peaks.
#[utoipa::path(
    get,
    path = "/actions/jobs/{job_id}/resources",
    operation_id = "job_resources",
    tag = "actions",
    params(crate::input::JobId),
    responses((status = 200, description = "success", body = crate::reply::Envelope<wfm_runner_obs::resources::JobResources>))
)]
pub(crate) async fn resources(
    state: web::Data<AppState>,
    JobId(id): JobId,
) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let job = recorded_job(&mut conn, id).await?;
    let found = wfm_runner_obs::resources::of_job(&mut conn, &job).await?;
    Ok(reply::ok(found))
}

/// Analyzes a job, stored. With an LLM configured (`WFM_LLM_*`), the model
/// is sent the job's metadata, step timings, log excerpts (the failing
/// step's first errors and tail, the log's tail), its runner's resource
/// summary and the benchmark changes filed on its run (`kind: llm`, with
/// the model). Without one, or when the model fails or answers nothing
/// usable (`fallback_reason` says which), the analysis is worked out
/// without it (`kind: deterministic`): the failed step, slowest steps,
/// wait for a runner, saturation in its runner's samples and the changes.
#[utoipa::path(
    post,
    path = "/actions/jobs/{job_id}/analyze",
    operation_id = "analyze_job",
    tag = "actions",
    params(crate::input::JobId),
    responses((status = 201, description = "the analysis, stored", body = crate::reply::Envelope<wfm_runner_obs::analysis::StoredAnalysis>))
)]
pub(crate) async fn analyze(
    state: web::Data<AppState>,
    JobId(id): JobId,
) -> ApiResult<HttpResponse> {
    use wfm_runner_obs::analysis::{self, llm};
    let (job, resources, changes, log) = {
        let mut conn = state.conn().await?;
        let job = recorded_job(&mut conn, id).await?;
        let resources = wfm_runner_obs::resources::of_job(&mut conn, &job).await?;
        let changes = analysis::run_changes(&mut conn, &job).await?;
        let log = match wfm_runner_obs::logs::read::load(&mut conn, &state.log_store, id).await {
            Ok(log) => log,
            Err(e) => {
                tracing::warn!(job = id, error = %e, "a stored log could not be read for an analysis");
                None
            }
        };
        (job, resources, changes, log)
    };
    let findings = analysis::findings(&job, Some(&resources), &changes);
    // no connection is held while the model thinks
    let answer = match &state.llm {
        None => None,
        Some(client) => {
            let evidence = llm::Evidence {
                job: job.clone(),
                findings: findings.clone(),
                resources: Some(resources.summary.clone()),
                changes,
                log,
            };
            Some(llm::analyze(client, evidence).await.map_err(|e| {
                tracing::warn!(job = id, error = %e, "LLM analysis failed; the deterministic one is kept");
                e.reason()
            }))
        }
    };
    let mut conn = state.conn().await?;
    let stored = match answer {
        Some(Ok(answer)) => {
            let model = state.llm.as_ref().map(|c| c.config().model.clone());
            analysis::store(
                &mut conn,
                id,
                "llm",
                model.as_deref(),
                &answer.markdown,
                &answer.findings,
                None,
            )
            .await?
        }
        failed => {
            let reason = failed.and_then(Result::err);
            let markdown = analysis::markdown(&job, &findings);
            analysis::store(
                &mut conn,
                id,
                "deterministic",
                None,
                &markdown,
                &findings,
                reason.as_deref(),
            )
            .await?
        }
    };
    Ok(reply::created(stored))
}

#[derive(Serialize, utoipa::ToSchema)]
struct AnalysisList {
    analyses: Vec<wfm_runner_obs::analysis::StoredAnalysis>,
}

/// A job's stored analyses, newest first.
#[utoipa::path(
    get,
    path = "/actions/jobs/{job_id}/analyses",
    operation_id = "job_analyses",
    tag = "actions",
    params(crate::input::JobId),
    responses((status = 200, description = "success", body = crate::reply::Envelope<AnalysisList>))
)]
pub(crate) async fn analyses(
    state: web::Data<AppState>,
    JobId(id): JobId,
) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    recorded_job(&mut conn, id).await?;
    let analyses = wfm_runner_obs::analysis::of_job(&mut conn, id).await?;
    Ok(reply::ok(AnalysisList { analyses }))
}
