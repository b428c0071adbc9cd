//! wfm's database: the diesel schema, migrations, the shared connection pool,
//! and the enums stored in status columns.
//!
//! Services never talk to each other; they coordinate through these tables.
//! See `db/README.md` for the tables and what each service reads and writes.

pub mod enums;
pub mod health;
pub mod metric_schemas;
pub mod migrate;
pub mod models;
pub mod notify;
pub mod pool;
pub mod queue;
pub mod recipes;
pub mod rollups;
pub mod runners;
pub mod schema;

pub use enums::{
    BackfillState, ChangeDirection, ChangeStatus, GeneratedBy, JobStatus, NotificationState,
    ReaderKind, RunStatus, TriggerSource, UnknownVariant, WorkloadKind, WorkloadStatus,
};
pub use pool::{DbConfig, DbPool, PooledConn};
