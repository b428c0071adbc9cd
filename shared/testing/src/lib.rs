//! Test support shared by every crate's tests.
//!
//! - [`TestDb`]: a fresh, migrated schema per test on a real PostgreSQL, so tests
//!   run in parallel without sharing rows. The server is `DATABASE_URL` when set;
//!   otherwise a private one started from the system's server binaries.
//! - [`ServiceProcess`]: a service binary run as a separate process, with its output
//!   captured for assertions.
//!
//! Nothing here mocks the database.

mod db;
mod local_server;
mod postgres;
mod process;
mod rows;
pub mod service_checks;

pub use db::{TestDb, admin_execute};
pub use local_server::serve;
pub use postgres::{PrivatePostgres, server_url};
pub use process::{ServiceProcess, free_port, http_get};
pub use rows::{insert_config, repo_config, runner_set_config, seed_finished_runners};

pub mod arc_fixtures;
pub mod fake_kube;
pub mod llm_stub;
