//! A collector over a temporary result root and a fresh test schema, with a
//! repository-bound config: what the pipeline tests take runs through.

#![allow(dead_code)]

use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use wfm_collector::{Collector, CollectorConfig, CollectorMetrics, Outcome};
use wfm_db::models::{Config, NewRun, Run};
use wfm_db::queue;
use wfm_db::schema::{github_workflow_configs as configs, github_workflow_metrics as metrics};
use wfm_env::Env;
use wfm_testing::TestDb;

pub const CSV: &str = "model,batch,latency_ms,throughput\nllama,1,12.5,80.1\nllama,8,40.2,199.0\n";

pub struct Harness {
    pub db: TestDb,
    pub root: PathBuf,
    pub collector: Collector,
    pub config: Config,
}

impl Harness {
    pub async fn new(name: &str, patterns: serde_json::Value) -> Harness {
        Self::with_env(name, patterns, &[]).await
    }

    /// A harness whose collector also reads the settings `extra`.
    pub async fn with_env(
        name: &str,
        patterns: serde_json::Value,
        extra: &[(&str, &str)],
    ) -> Harness {
        let db = TestDb::new().await;
        let root =
            std::env::temp_dir().join(format!("wfm-collector-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("root");
        let mut pairs = vec![
            ("WFM_MOUNTED_ROOT", root.to_str().expect("utf-8 path")),
            ("WFM_MAX_FILE_BYTES", "1000"),
        ];
        pairs.extend_from_slice(extra);
        let env = Env::from_pairs(pairs);
        let settings = CollectorConfig::from_env(&env).expect("config");
        let registry = wfm_telemetry::Metrics::new("test", "0");
        let collector = Collector::new(
            db.pool().clone(),
            db.config(),
            settings,
            "test-worker".into(),
            CollectorMetrics::register(&registry),
        )
        .expect("collector");
        let mut conn = db.connect().await;
        let config = wfm_testing::repo_config(&mut conn, patterns).await;
        Harness {
            db,
            root,
            collector,
            config,
        }
    }

    pub fn write(&self, path: &str, body: &str) {
        let full = self.root.join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("dirs");
        std::fs::write(full, body).expect("write");
    }

    pub async fn enqueue(&self, uid: &str, github_run_id: i64) -> Run {
        let mut conn = self.db.connect().await;
        let new = NewRun {
            config_id: self.config.id,
            workload_uid: uid.into(),
            github_run_id: Some(github_run_id),
            workload_completed_at: Some(completed_at()),
            ..NewRun::default()
        };
        queue::enqueue(&mut conn, &new)
            .await
            .expect("enqueue")
            .expect("new run")
    }

    /// Claims the next run as the harness's collector, processes and settles it.
    pub async fn collect(&self) -> (Run, Outcome) {
        super::collect_next(&self.collector, &mut self.db.connect().await).await
    }

    pub async fn metric_rows(
        &self,
        run_id: i64,
    ) -> Vec<(
        i64,
        DateTime<Utc>,
        String,
        serde_json::Value,
        serde_json::Value,
    )> {
        let mut conn = self.db.connect().await;
        metrics::table
            .filter(metrics::run_id.eq(run_id))
            .select((
                metrics::id,
                metrics::timestamp,
                metrics::source_file,
                metrics::dimensions,
                metrics::metrics,
            ))
            .order(metrics::id)
            .load(&mut conn)
            .await
            .expect("metrics")
    }
}

pub fn completed_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 4, 1, 41, 41)
        .single()
        .expect("time")
}

impl Harness {
    /// Sets the config's `file_types` and `custom_prompt` as the API would store them.
    pub async fn set_fields(&self, file_types: serde_json::Value, prompt: Option<&str>) {
        let mut conn = self.db.connect().await;
        diesel::update(configs::table.find(self.config.id))
            .set((
                configs::file_types.eq(file_types),
                configs::custom_prompt.eq(prompt),
            ))
            .execute(&mut conn)
            .await
            .expect("config fields");
    }

    pub async fn config_row(&self) -> Config {
        let mut conn = self.db.connect().await;
        configs::table
            .find(self.config.id)
            .select(Config::as_select())
            .first(&mut conn)
            .await
            .expect("config")
    }
}
