//! Load and systems tools: HTTP load generators (wrk/wrk2, k6, Locust),
//! database benchmarks (pgbench, sysbench), storage (fio) and network
//! (iperf3). Console reports are read by line grammar, one record per run
//! (a log may hold several runs); JSON and CSV reports by their keys and
//! headers. Tools that mix units in one column (wrk's `us`/`ms`/`s`) are
//! converted to one unit per field, named in the schema.

use super::Adapter;

mod fio;
mod iperf3;
mod k6;
mod locust;
mod pgbench;
mod sysbench;
mod text;
mod wrk;

/// Most specific signatures first: the JSON reports by their keys, the CSV
/// by its header, then the console grammars.
pub(crate) const ADAPTERS: &[Adapter] = &[
    fio::ADAPTER,
    iperf3::ADAPTER,
    k6::ADAPTER,
    locust::ADAPTER,
    wrk::ADAPTER,
    pgbench::ADAPTER,
    sysbench::ADAPTER,
];
