//! Kubernetes for wfm: ARC's resource types (read by the scanner), the
//! runner template's result volumes, and the `temp-pod` file reader (used by
//! the collector) with the reaper of its leftover pods.

pub mod arc;
