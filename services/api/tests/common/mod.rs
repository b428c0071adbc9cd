//! An in-process wfm-api on a free port over a fresh test schema, and a small
//! HTTP client that returns status, headers and the parsed envelope.

#![allow(dead_code)]

pub mod github;

use std::net::TcpListener;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};
use wfm_api::{AppState, Tokens};
use wfm_db::models::{Config, NewConfig, NewRun, Run};
use wfm_db::schema::{github_workflow_runs as runs, gpu_workloads as workloads};
use wfm_testing::TestDb;

pub const BASE: &str = "/v1/github-workflow-metrics";

pub struct TestApi {
    pub db: TestDb,
    /// The server's webhook state (its processor's handoff).
    pub hooks: std::sync::Arc<wfm_api::webhooks::Webhooks>,
    pub base_url: String,
    client: reqwest::Client,
    server: ServerHandle,
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// `data` of a 2000 envelope; panics with the body otherwise.
    pub fn data(&self) -> Value {
        let body = self.json();
        assert_eq!(
            body["meta"]["code"], 2000,
            "not a success: {} {}",
            self.status, self.text
        );
        assert!(
            self.status == 200 || self.status == 201,
            "status {}",
            self.status
        );
        body["data"].clone()
    }

    /// The error envelope's code and message, checking the status matches the code.
    pub fn error(&self) -> (u64, String) {
        let body = self.json();
        let code = body["meta"]["code"].as_u64().expect("meta.code");
        assert_eq!(
            u64::from(self.status) * 10,
            code,
            "status/code mismatch: {}",
            self.text
        );
        assert!(
            body.get("data").is_none(),
            "an error carries no data: {}",
            self.text
        );
        (code, body["message"].as_str().expect("message").to_owned())
    }
}

impl TestApi {
    pub async fn start() -> Self {
        Self::with_tokens(Tokens::default()).await
    }

    pub async fn with_tokens(tokens: Tokens) -> Self {
        Self::with_state(|state| state.tokens = tokens).await
    }

    /// A server whose state `edit` changed from the tests' defaults.
    pub async fn with_state(edit: impl FnOnce(&mut AppState)) -> Self {
        let db = TestDb::new().await;
        let mut state = AppState {
            pool: db.pool().clone(),
            cluster: "default".into(),
            tokens: Tokens::default(),
            llm: None,
            summary_max_values: wfm_api::DEFAULT_SUMMARY_MAX_VALUES,
            webhooks: wfm_api::webhooks::Webhooks::new(Default::default(), db.pool().clone()),
            log_store: Default::default(),
        };
        edit(&mut state);
        let hooks = state.webhooks.clone();
        let state = web::Data::new(state);
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding a free port");
        let port = listener.local_addr().expect("local addr").port();
        let server = HttpServer::new(move || {
            let state = state.clone();
            App::new().configure(move |cfg| wfm_api::configure(cfg, state.clone()))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .expect("listening")
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            db,
            hooks,
            base_url: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
            server: handle,
        }
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&str>,
        token: Option<&str>,
    ) -> Reply {
        let url = if path.starts_with('/') {
            format!("{}{path}", self.base_url)
        } else {
            format!("{}{BASE}/{path}", self.base_url)
        };
        let mut request = self.client.request(method, url);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_owned());
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("sending the request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("reading the body");
        Reply {
            status,
            headers,
            text,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(reqwest::Method::GET, path, None, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(reqwest::Method::POST, path, Some(&body.to_string()), None)
            .await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.send(reqwest::Method::PUT, path, Some(&body.to_string()), None)
            .await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(reqwest::Method::PATCH, path, Some(&body.to_string()), None)
            .await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(reqwest::Method::DELETE, path, None, None).await
    }

    pub async fn conn(&self) -> diesel_async::AsyncPgConnection {
        self.db.connect().await
    }

    /// A config bound to runner set `ns/name` through the API; its id.
    pub async fn create_config(&self, name: &str, ns: &str, set: &str) -> i64 {
        let reply = self
            .post(
                "configs",
                json!({
                    "name": name,
                    "runner_set_namespace": ns,
                    "runner_set_name": set,
                    "file_patterns": ["results/*.csv"],
                }),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        reply.data()["id"].as_i64().expect("id")
    }

    /// A config inserted straight into the table.
    pub async fn insert_config(&self, new: NewConfig) -> Config {
        let mut conn = self.conn().await;
        wfm_testing::insert_config(&mut conn, &new)
            .await
            .expect("inserting a config")
    }

    /// A run of `config_id` with `status`, inserted straight into the table.
    pub async fn insert_run(&self, config_id: i64, uid: &str, status: wfm_db::RunStatus) -> Run {
        let mut conn = self.conn().await;
        diesel::insert_into(runs::table)
            .values(&NewRun {
                config_id,
                workload_uid: uid.into(),
                status: Some(status),
                ..NewRun::default()
            })
            .returning(Run::as_returning())
            .get_result(&mut conn)
            .await
            .expect("inserting a run")
    }
}

/// A `gpu_workloads` row to insert; `Default` is a running runner of `arc/set`.
#[derive(Debug, Clone)]
pub struct WorkloadRow {
    pub kind: &'static str,
    pub uid: String,
    pub namespace: &'static str,
    pub runner_set: &'static str,
    pub status: &'static str,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub workflow_ref: Option<String>,
    pub branch: Option<&'static str>,
    pub repository: Option<&'static str>,
}

impl Default for WorkloadRow {
    fn default() -> Self {
        Self {
            kind: "EphemeralRunner",
            uid: "uid".into(),
            namespace: "arc",
            runner_set: "set",
            status: "running",
            created_at: at("2025-01-01T00:00:00Z"),
            started_at: None,
            completed_at: None,
            workflow_ref: None,
            branch: None,
            repository: None,
        }
    }
}

impl TestApi {
    pub async fn insert_workload(&self, row: WorkloadRow) {
        let mut conn = self.conn().await;
        let name = if row.kind == "AutoscalingRunnerSet" {
            row.runner_set.to_owned()
        } else {
            format!("{}-{}", row.runner_set, row.uid)
        };
        diesel::insert_into(workloads::table)
            .values((
                workloads::kind.eq(row.kind),
                workloads::uid.eq(&row.uid),
                workloads::name.eq(name),
                workloads::namespace.eq(row.namespace),
                workloads::runner_set_name.eq(row.runner_set),
                workloads::status.eq(row.status),
                workloads::created_at.eq(row.created_at),
                workloads::started_at.eq(row.started_at),
                workloads::completed_at.eq(row.completed_at),
                workloads::github_workflow_ref.eq(&row.workflow_ref),
                workloads::github_head_branch.eq(row.branch),
                workloads::github_repository.eq(row.repository),
            ))
            .execute(&mut conn)
            .await
            .expect("inserting a workload");
    }

    /// A completed runner of `arc/set` that finished at `completed` after running `seconds`.
    pub async fn completed_runner(&self, uid: &str, completed: &str, seconds: i64) {
        let completed = at(completed);
        self.insert_workload(WorkloadRow {
            uid: uid.into(),
            status: "completed",
            created_at: completed - chrono::Duration::seconds(seconds + 5),
            started_at: Some(completed - chrono::Duration::seconds(seconds)),
            completed_at: Some(completed),
            ..WorkloadRow::default()
        })
        .await;
    }
}

impl Drop for TestApi {
    fn drop(&mut self) {
        // Stop accepting; the runtime ends with the test anyway.
        drop(self.server.stop(false));
    }
}

pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("RFC 3339 time")
        .with_timezone(&Utc)
}
