//! The frame of every wfm service binary.
//!
//! A service's `main` is one call to [`run`]: it loads the [`CommonConfig`]
//! (exiting with code 2 and a one-line message naming the variable when a value
//! is bad), sets up telemetry, builds the database pool, migrates when asked,
//! and hands a [`Service`] to the service's own code, which serves HTTP (at
//! least `/healthz`, `/readyz` and `/metrics`) until SIGTERM or SIGINT.

mod config;
mod ops;
mod request_span;
mod run;
mod shutdown;

pub use config::{CommonConfig, ServiceInfo};
pub use ops::{OpsState, ScrapeHook};
pub use run::{Service, run};
