//! Status-like columns: Rust enums stored as the spec's strings.
//!
//! Each enum's strings are the same set as the column's SQL `CHECK` constraint;
//! `tests/schema.rs` compares the two so they cannot drift apart.

use std::fmt;
use std::str::FromStr;

use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

/// A string that is not one of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}; expected one of: {expected}")]
pub struct UnknownVariant {
    pub kind: &'static str,
    pub value: String,
    pub expected: String,
}

macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $name:ident as $kind:literal {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
            serde::Serialize, serde::Deserialize,
        )]
        #[diesel(sql_type = Text)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The string stored in the database and used on the wire.
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        // By hand: the derive does not see `serde(rename)` through this macro.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text),+]))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownVariant;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    _ => Err(UnknownVariant {
                        kind: $kind,
                        value: s.to_owned(),
                        expected: Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
                    }),
                }
            }
        }

        impl ToSql<Text, Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
            }
        }

        impl FromSql<Text, Pg> for $name {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                let raw = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
                Ok(raw.parse()?)
            }
        }
    };
}

text_enum! {
    /// Where a run is in the queue: `pending → collecting → extracting → completed | failed | skipped`.
    RunStatus as "run status" {
        Pending => "pending",
        Collecting => "collecting",
        Extracting => "extracting",
        Completed => "completed",
        Failed => "failed",
        Skipped => "skipped",
    }
}

impl RunStatus {
    /// A run in one of these states is finished: nothing will move it unless a user retries.
    pub const fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Skipped)
    }
}

text_enum! {
    /// What created a run.
    TriggerSource as "trigger source" {
        /// The scanner saw a runner finish.
        Realtime => "realtime",
        /// A backfill request enqueued a historical runner.
        Backfill => "backfill",
        /// A user asked for it (config test, retry).
        Manual => "manual",
        /// A GitHub `workflow_job` webhook reported a finished job.
        Webhook => "webhook",
    }
}

text_enum! {
    /// Who wrote a metric schema.
    GeneratedBy as "schema generator" {
        Ai => "ai",
        Inference => "inference",
        User => "user",
    }
}

text_enum! {
    /// A backfill request's state.
    BackfillState as "backfill state" {
        Pending => "pending",
        InProgress => "in_progress",
        Completed => "completed",
        Cancelled => "cancelled",
        Failed => "failed",
    }
}

text_enum! {
    /// How a config's result files are reached.
    ReaderKind as "reader" {
        /// A directory mounted into the collector (an RWX PVC, or a local folder).
        Mounted => "mounted",
        /// A short-lived pod mounting the runner set's PVCs.
        TempPod => "temp-pod",
        /// The workflow run's artifacts through the GitHub REST API.
        GithubArtifacts => "github-artifacts",
        /// A node-exporter's container-FS API.
        NodeExporter => "node-exporter",
    }
}

text_enum! {
    /// Kubernetes kinds recorded in `gpu_workloads`.
    WorkloadKind as "workload kind" {
        AutoscalingRunnerSet => "AutoscalingRunnerSet",
        EphemeralRunnerSet => "EphemeralRunnerSet",
        EphemeralRunner => "EphemeralRunner",
    }
}

text_enum! {
    /// A recorded workload's lifecycle state (ARC's phase, normalised).
    WorkloadStatus as "workload status" {
        Pending => "pending",
        Running => "running",
        Completed => "completed",
        Failed => "failed",
    }
}

text_enum! {
    /// A GitHub Actions job's status, as the `workflow_job` webhook reports it.
    JobStatus as "job status" {
        Requested => "requested",
        Pending => "pending",
        Queued => "queued",
        Waiting => "waiting",
        InProgress => "in_progress",
        Completed => "completed",
    }
}

text_enum! {
    /// Where a benchmark change is in its triage.
    ChangeStatus as "change status" {
        /// Filed by the detector; nobody has looked yet.
        New => "new",
        /// Someone has seen it and owns it.
        Acknowledged => "acknowledged",
        /// Expected or not worth acting on.
        Ignored => "ignored",
        /// A later change undid it.
        Fixed => "fixed",
    }
}

text_enum! {
    /// What a benchmark change means, given which way its metric is better.
    ChangeDirection as "change direction" {
        Regression => "regression",
        Improvement => "improvement",
        /// The metric has no known better direction.
        Unknown => "unknown",
    }
}

text_enum! {
    /// A change notification's delivery to one target.
    NotificationState as "notification state" {
        Pending => "pending",
        Delivered => "delivered",
        /// Gave up after the last retry.
        Failed => "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_round_trip() {
        for status in RunStatus::ALL {
            assert_eq!(status.as_str().parse::<RunStatus>(), Ok(*status));
        }
        assert_eq!("temp-pod".parse::<ReaderKind>(), Ok(ReaderKind::TempPod));
    }

    #[test]
    fn unknown_value_lists_the_expected_ones() {
        let err = "done".parse::<RunStatus>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown run status \"done\"; expected one of: pending, collecting, extracting, completed, failed, skipped"
        );
    }

    #[test]
    fn serde_uses_the_spec_strings() {
        let json = serde_json::to_string(&BackfillState::InProgress).unwrap();
        assert_eq!(json, "\"in_progress\"");
        let back: TriggerSource = serde_json::from_str("\"webhook\"").unwrap();
        assert_eq!(back, TriggerSource::Webhook);
    }

    #[test]
    fn final_states() {
        let finals: Vec<_> = RunStatus::ALL.iter().filter(|s| s.is_final()).collect();
        assert_eq!(
            finals,
            [
                &RunStatus::Completed,
                &RunStatus::Failed,
                &RunStatus::Skipped
            ]
        );
    }
}
