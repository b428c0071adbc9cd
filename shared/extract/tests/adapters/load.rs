//! The load family's adapters: real samples (tests/fixtures/adapters/load)
//! and synthetic variants of each tool's documented output.

use crate::common::Known;
use crate::{adapter, run};
use wfm_extract::{DimValue, Direction};

#[test]
fn real_samples_match_their_ground_truth() {
    crate::check_family("load", &Known::default());
}

const WRK: &str = "Running 30s test @ http://127.0.0.1:8080/index.html
  12 threads and 400 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   635.91us    0.89ms  12.92ms   93.69%
    Req/Sec    56.20k     8.07k   62.00k    86.54%
  Latency Distribution
     50%  250.00us
     75%  491.00us
     90%  700.00us
     99%    5.80ms
  22464657 requests in 30.00s, 17.76GB read
Requests/sec: 748868.53
Transfer/sec:    606.33MB
";

#[test]
fn wrk_mixed_latency_units_become_milliseconds() {
    let x = run("wrk.txt", WRK);
    assert_eq!(adapter(&x), "wrk");
    assert_eq!(x.records.len(), 1);
    let r = x.records.get(0).expect("record");
    assert_eq!(r.dimension("threads"), Some(DimValue::Int(12)));
    assert_eq!(r.dimension("connections"), Some(DimValue::Int(400)));
    assert_eq!(r.dimension("duration"), Some(DimValue::Str("30s")));
    assert_eq!(r.metric("latency_avg"), Some(0.63591));
    assert_eq!(r.metric("latency_stdev"), Some(0.89));
    assert_eq!(r.metric("latency_p50"), Some(0.25));
    assert_eq!(r.metric("latency_p99"), Some(5.8));
    assert_eq!(r.metric("req_sec_avg"), Some(56200.0));
    assert_eq!(r.metric("requests"), Some(22464657.0));
    assert_eq!(r.metric("Requests/sec"), Some(748868.53));
    assert_eq!(r.metric("Transfer/sec"), Some(606.33));
    let field = |n: &str| x.schema.field(n).expect(n);
    assert_eq!(field("latency_avg").unit.as_deref(), Some("ms"));
    assert_eq!(
        field("latency_avg").direction,
        Some(Direction::LowerIsBetter)
    );
    assert_eq!(
        field("Requests/sec").direction,
        Some(Direction::HigherIsBetter)
    );
}

#[test]
fn wrk_runs_in_one_log_are_records_with_the_first_runs_byte_unit() {
    let second = WRK
        .replace("400 connections", "800 connections")
        .replace("606.33MB", "1.50GB");
    let text = format!("$ wrk2 -t12 -c400 -d30s -R2000 http://x\n{WRK}\n{second}");
    let x = run("runs.log", &text.replace('\n', "\r\n"));
    assert_eq!(adapter(&x), "wrk");
    assert_eq!(x.records.len(), 2);
    let first = x.records.get(0).expect("first");
    assert_eq!(first.dimension("rate"), Some(DimValue::Int(2000)));
    let r = x.records.get(1).expect("second");
    assert_eq!(r.dimension("connections"), Some(DimValue::Int(800)));
    assert_eq!(r.metric("Transfer/sec"), Some(1.5 * 1024.0));
}

#[test]
fn wrk2_hdr_lines_and_uncorrected_distribution() {
    let text = "Running 1m test @ http://localhost:8080
  2 threads and 10 connections
  Thread calibration: mean lat.: 1.111ms, rate sampling interval: 10ms
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.11ms  603.31us  39.84ms   82.12%
    Req/Sec   791.68    111.86     2.11k    79.98%
  Latency Distribution (HdrHistogram - Recorded Latency)
 50.000%    1.08ms
 99.900%    8.28ms
100.000%   39.87ms

  Detailed Percentile spectrum:
       Value   Percentile   TotalCount 1/(1-Percentile)

       0.065     0.000000            1         1.00
      39.871     1.000000      3569618          inf
#[Mean    =        1.113, StdDeviation   =        0.603]
#[Max     =       39.840, Total count    =      3569618]
#[Buckets =           27, SubBuckets     =         2048]
----------------------------------------------------------

  Latency Distribution (HdrHistogram - Uncorrected Latency (measured without taking delayed starts into account))
 50.000%  500.00us
100.000%    2.00ms
  3599863 requests in 1.00m, 284.95MB read
Requests/sec:   2999.89
Transfer/sec:    243.15KB
";
    let x = run("wrk2.txt", text);
    assert_eq!(adapter(&x), "wrk");
    let r = x.records.get(0).expect("record");
    assert_eq!(r.metric("latency_stdev"), Some(0.60331));
    assert_eq!(r.metric("latency_p99.9"), Some(8.28));
    assert_eq!(r.metric("latency_p100"), Some(39.87));
    assert_eq!(r.metric("Mean"), Some(1.113));
    assert_eq!(r.metric("Total count"), Some(3569618.0));
    assert_eq!(r.metric("uncorrected_latency_p50"), Some(0.5));
    assert_eq!(r.metric("time"), Some(60.0));
    assert_eq!(r.metric("req_sec_max"), Some(2110.0));
    assert!(x.schema.field("Buckets").is_none());
}

#[test]
fn prose_that_mentions_wrk_is_not_a_wrk_run() {
    let x = run(
        "notes.md",
        "# Notes\n\nRunning the test @ home with wrk: 12 threads and 400 connections.\n",
    );
    assert_ne!(x.reading.name.as_deref(), Some("wrk"));
}

#[test]
fn pgbench_old_and_new_summaries() {
    let text = "pgbench (15.8 (Debian 15.8-0+deb12u1))
starting vacuum...end.
progress: 6.0 s, 564.2 tps, lat 14.128 ms stddev 7.2, 0 failed
transaction type: <builtin: TPC-B (sort of)>
scaling factor: 1
query mode: simple
number of clients: 8
number of threads: 1
maximum number of tries: 1
duration: 60 s
number of transactions actually processed: 36371
number of failed transactions: 0 (0.000%)
latency average = 13.197 ms
latency stddev = 7.204 ms
initial connection time = 9.727 ms
tps = 606.076856 (without initial connection time)
transaction type: <builtin: select only>
scaling factor: 10
query mode: prepared
number of clients: 10
number of threads: 1
number of transactions per client: 1000
number of transactions actually processed: 10000/10000
tps = 85.184871 (including connections establishing)
tps = 85.296346 (excluding connections establishing)
";
    let x = run("pgbench.log", text);
    assert_eq!(adapter(&x), "pgbench");
    assert_eq!(x.records.len(), 2);
    let new = x.records.get(0).expect("new");
    assert_eq!(
        new.dimension("pgbench version"),
        Some(DimValue::Str("15.8"))
    );
    assert_eq!(new.dimension("duration"), Some(DimValue::Int(60)));
    assert_eq!(new.metric("tps"), Some(606.076856));
    assert_eq!(new.metric("number of failed transactions"), Some(0.0));
    assert_eq!(new.metric("latency average"), Some(13.197));
    let old = x.records.get(1).expect("old");
    assert_eq!(
        old.dimension("transaction type"),
        Some(DimValue::Str("<builtin: select only>"))
    );
    assert_eq!(
        old.dimension("number of transactions per client"),
        Some(DimValue::Int(1000))
    );
    assert_eq!(
        old.metric("number of transactions actually processed"),
        Some(10000.0)
    );
    assert_eq!(old.metric("tps"), Some(85.296346));
    assert_eq!(
        old.metric("tps_including_connections_establishing"),
        Some(85.184871)
    );
    assert_eq!(old.metric("latency average"), None);
    let direction = |n: &str| x.schema.field(n).and_then(|f| f.direction);
    assert_eq!(direction("tps"), Some(Direction::HigherIsBetter));
    assert_eq!(direction("latency average"), Some(Direction::LowerIsBetter));
}

const SYSBENCH_OLTP: &str = "sysbench 1.0.20 (using system LuaJIT 2.1.0-beta3)

Running the test with following options:
Number of threads: 8
Initializing random number generator from current time


Initializing worker threads...

Threads started!

[ 1s ] thds: 8 tps: 123.00 qps: 2460.00 (r/w/o: 1722.00/492.00/246.00) lat (ms,95%): 80.03 err/s: 0.00 reconn/s: 0.00
SQL statistics:
    queries performed:
        read:                            17290
        write:                           4940
        other:                           2470
        total:                           24700
    transactions:                        1235   (123.34 per sec.)
    queries:                             24700  (2466.80 per sec.)
    ignored errors:                      0      (0.00 per sec.)
    reconnects:                          0      (0.00 per sec.)

General statistics:
    total time:                          10.0119s
    total number of events:              1235

Latency (ms):
         min:                                   40.21
         avg:                                   64.83
         max:                                  160.88
         95th percentile:                       80.03
         sum:                                80067.65

Threads fairness:
    events (avg/stddev):           154.3750/2.74
    execution time (avg/stddev):   10.0085/0.00
";

#[test]
fn sysbench_1x_oltp_report() {
    let x = run("oltp.txt", SYSBENCH_OLTP);
    assert_eq!(adapter(&x), "sysbench");
    assert_eq!(x.records.len(), 1);
    let r = x.records.get(0).expect("record");
    assert_eq!(
        r.dimension("sysbench version"),
        Some(DimValue::Str("1.0.20"))
    );
    assert_eq!(r.dimension("threads"), Some(DimValue::Int(8)));
    assert_eq!(r.dimension("test"), Some(DimValue::Str("oltp")));
    assert_eq!(r.metric("read"), Some(17290.0));
    assert_eq!(r.metric("transactions_per_sec"), Some(123.34));
    assert_eq!(r.metric("queries"), Some(24700.0));
    assert_eq!(r.metric("total_time"), Some(10.0119));
    assert_eq!(r.metric("latency_95th_percentile"), Some(80.03));
    assert_eq!(r.metric("latency_sum"), Some(80067.65));
    assert_eq!(r.metric("events_stddev"), Some(2.74));
    let direction = |n: &str| x.schema.field(n).and_then(|f| f.direction);
    assert_eq!(
        direction("transactions_per_sec"),
        Some(Direction::HigherIsBetter)
    );
    assert_eq!(direction("latency_avg"), Some(Direction::LowerIsBetter));
}

#[test]
fn sysbench_cpu_memory_and_fileio_runs_in_one_log() {
    let text = "sysbench 1.0.20 (using system LuaJIT 2.1.0-beta3)

Running the test with following options:
Number of threads: 4
Initializing random number generator from current time


Prime numbers limit: 20000

Initializing worker threads...

Threads started!

CPU speed:
    events per second:   506.37

General statistics:
    total time:                          60.0003s
    total number of events:              30383

Latency (ms):
         min:                                    1.89
         95th percentile:                        2.07
sysbench 1.0.20 (using system LuaJIT 2.1.0-beta3)

Running the test with following options:
Number of threads: 1
Initializing random number generator from current time


Running memory speed test with the following options:
  block size: 1KiB
  total size: 102400MiB
  operation: write
  scope: global

Initializing worker threads...

Threads started!

Total operations: 62638147 (6263236.29 per second)

61170.07 MiB transferred (6116.44 MiB/sec)


General statistics:
    total time:                          10.0001s
sysbench 1.0.20 (using system LuaJIT 2.1.0-beta3)

128 files, 16384Kb each, 2048Mb total
Creating files for the test...
sysbench 1.0.20 (using system LuaJIT 2.1.0-beta3)

Running the test with following options:
Number of threads: 1

Extra file open flags: (none)
Number of IO requests: 0
Threads started!


File operations:
    reads/s:                      0.00
    writes/s:                     3029.94
    fsyncs/s:                     3882.03

Throughput:
    read, MiB/s:                  0.00
    written, MiB/s:               47.34
";
    let x = run("sysbench.log", text);
    assert_eq!(adapter(&x), "sysbench");
    assert_eq!(x.records.len(), 3, "the prepare run is no record");
    let cpu = x.records.get(0).expect("cpu");
    assert_eq!(cpu.dimension("test"), Some(DimValue::Str("cpu")));
    assert_eq!(
        cpu.dimension("Prime numbers limit"),
        Some(DimValue::Int(20000))
    );
    assert_eq!(cpu.metric("events_per_second"), Some(506.37));
    let memory = x.records.get(1).expect("memory");
    assert_eq!(memory.dimension("test"), Some(DimValue::Str("memory")));
    assert_eq!(memory.dimension("operation"), Some(DimValue::Str("write")));
    assert_eq!(memory.metric("transferred_per_sec"), Some(6116.44));
    assert_eq!(
        memory.metric("total_operations_per_second"),
        Some(6263236.29)
    );
    let fileio = x.records.get(2).expect("fileio");
    assert_eq!(fileio.dimension("test"), Some(DimValue::Str("fileio")));
    assert_eq!(fileio.metric("writes/s"), Some(3029.94));
    assert_eq!(fileio.metric("written_MiB/s"), Some(47.34));
}

#[test]
fn sysbench_04_fileio_transfer_line() {
    let text = "sysbench 0.4.12:  multi-threaded system evaluation benchmark\r
\r
Running the test with following options:\r
Number of threads: 1\r
\r
Extra file open flags: 0\r
Doing random r/w test\r
Threads started!\r
Done.\r
\r
Operations performed:  6000 Read, 4000 Write, 12800 Other = 22800 Total\r
Read 93.75Mb  Written 62.5Mb  Total transferred 156.25Mb  (512.5Kb/sec)\r
   32.03 Requests/sec executed\r
\r
Test execution summary:\r
    total time:                          312.1982s\r
";
    let x = run("sysbench.txt", text);
    assert_eq!(adapter(&x), "sysbench");
    let r = x.records.get(0).expect("record");
    assert_eq!(r.dimension("test"), Some(DimValue::Str("fileio")));
    assert_eq!(r.metric("read"), Some(93.75));
    assert_eq!(r.metric("written"), Some(62.5));
    assert_eq!(r.metric("transferred"), Some(156.25));
    assert_eq!(r.metric("transferred_per_sec"), Some(512.5));
    assert_eq!(r.metric("Requests/sec"), Some(32.03));
    assert_eq!(
        x.schema
            .field("transferred")
            .and_then(|f| f.unit.as_deref()),
        Some("MB")
    );
}

const FIO: &str = r#"fio-3.28
{
  "fio version" : "fio-3.28",
  "timestamp" : 1700000000,
  "global options" : {"ioengine" : "libaio", "direct" : "1", "bs" : "4k", "iodepth" : "32"},
  "jobs" : [
    {
      "jobname" : "randrw",
      "groupid" : 0,
      "error" : 0,
      "job options" : {"rw" : "randrw", "numjobs" : "1", "bs" : "8k"},
      "read" : {
        "io_bytes" : 1048576, "io_kbytes" : 1024, "bw_bytes" : 2097152, "bw" : 2048,
        "iops" : 256.5, "runtime" : 500, "total_ios" : 128,
        "slat_ns" : {"min" : 1000, "max" : 9000, "mean" : 2000.5, "stddev" : 100.0, "N" : 128},
        "clat_ns" : {"min" : 10000, "max" : 90000, "mean" : 20000.25, "stddev" : 5000.0, "N" : 128,
                     "percentile" : {"50.000000" : 19968, "99.000000" : 81920, "99.900000" : 89600}},
        "lat_ns" : {"min" : 11000, "max" : 91000, "mean" : 22000.75, "stddev" : 5100.0, "N" : 128}
      },
      "write" : {"io_bytes" : 524288, "bw" : 1024, "iops" : 128.0, "runtime" : 500, "total_ios" : 64,
                 "clat_ns" : {"mean" : 30000.0, "percentile" : {"99.000000" : 99999}}},
      "trim" : {"io_bytes" : 0, "bw" : 0, "iops" : 0.0, "runtime" : 0, "total_ios" : 0},
      "usr_cpu" : 1.5, "sys_cpu" : 3.25, "ctx" : 400, "majf" : 0, "minf" : 12
    }
  ],
  "disk_util" : [{"name" : "nvme0n1", "util" : 99.1}]
}
"#;

#[test]
fn fio_json_is_one_record_per_job_and_direction_that_did_io() {
    let x = run("fio.json", FIO);
    assert_eq!(adapter(&x), "fio-json");
    assert_eq!(x.records.len(), 2, "trim did no I/O");
    let read = x.records.get(0).expect("read");
    assert_eq!(read.dimension("jobname"), Some(DimValue::Str("randrw")));
    assert_eq!(read.dimension("direction"), Some(DimValue::Str("read")));
    assert_eq!(read.dimension("rw"), Some(DimValue::Str("randrw")));
    assert_eq!(
        read.dimension("bs"),
        Some(DimValue::Str("8k")),
        "job options win"
    );
    assert_eq!(read.dimension("ioengine"), Some(DimValue::Str("libaio")));
    assert_eq!(read.metric("iops"), Some(256.5));
    assert_eq!(read.metric("bw"), Some(2048.0));
    assert_eq!(read.metric("clat_ns.mean"), Some(20000.25));
    assert_eq!(read.metric("clat_ns.percentile.99.000000"), Some(81920.0));
    assert_eq!(read.metric("lat_ns.mean"), Some(22000.75));
    assert_eq!(read.metric("sys_cpu"), Some(3.25));
    let write = x.records.get(1).expect("write");
    assert_eq!(write.dimension("direction"), Some(DimValue::Str("write")));
    assert_eq!(write.metric("clat_ns.percentile.99.000000"), Some(99999.0));
    let field = |n: &str| x.schema.field(n).expect(n);
    assert_eq!(field("clat_ns.mean").unit.as_deref(), Some("ns"));
    assert_eq!(field("bw").unit.as_deref(), Some("KiB/s"));
    assert_eq!(field("iops").direction, Some(Direction::HigherIsBetter));
    assert_eq!(
        field("clat_ns.mean").direction,
        Some(Direction::LowerIsBetter)
    );
}

#[test]
fn fio_2x_json_latencies_are_in_microseconds() {
    let text = r#"{"fio version" : "fio-2.1.4", "jobs" : [{"jobname" : "seq", "groupid" : 0,
      "read" : {"io_bytes" : 0, "bw" : 0, "iops" : 0},
      "write" : {"io_bytes" : 361984, "bw" : 68118, "iops" : 133, "runtime" : 5314,
                 "clat" : {"min" : 189263, "max" : 869891, "mean" : 477734.84, "stddev" : 92609.34,
                           "percentile" : {"99.000000" : 823296, "0.00" : 0}}},
      "usr_cpu" : 0.23}]}"#;
    let x = run("fio2.json", text);
    assert_eq!(adapter(&x), "fio-json");
    assert_eq!(x.records.len(), 1);
    let r = x.records.get(0).expect("record");
    assert_eq!(r.metric("clat.mean"), Some(477734.84));
    assert_eq!(
        x.schema.field("clat.mean").and_then(|f| f.unit.as_deref()),
        Some("us")
    );
}

#[test]
fn iperf3_tcp_and_udp_reports() {
    let tcp = r#"{"start": {"connected": [{"socket": 5, "remote_host": "10.0.0.2"}], "version": "iperf 3.9",
        "connecting_to": {"host": "10.0.0.2", "port": 5201},
        "test_start": {"protocol": "TCP", "num_streams": 1, "blksize": 131072, "omit": 0, "duration": 10, "reverse": 0}},
      "intervals": [{"sum": {"start": 0, "end": 1, "bits_per_second": 9.4e9}}],
      "end": {"sum_sent": {"start": 0, "end": 10.0, "seconds": 10.0, "bytes": 11811160064, "bits_per_second": 9.448928e9, "retransmits": 12, "sender": true},
              "sum_received": {"start": 0, "end": 10.04, "seconds": 10.04, "bytes": 11808000000, "bits_per_second": 9.40876e9, "sender": true},
              "cpu_utilization_percent": {"host_total": 38.5, "remote_total": 6.1}}}"#;
    let x = run("iperf.json", tcp);
    assert_eq!(adapter(&x), "iperf3-json");
    assert_eq!(x.records.len(), 1, "intervals are not records");
    let r = x.records.get(0).expect("record");
    assert_eq!(r.dimension("protocol"), Some(DimValue::Str("TCP")));
    assert_eq!(r.dimension("num_streams"), Some(DimValue::Int(1)));
    assert_eq!(r.dimension("remote_host"), Some(DimValue::Str("10.0.0.2")));
    assert_eq!(r.metric("sum_sent.bits_per_second"), Some(9.448928e9));
    assert_eq!(r.metric("sum_sent.retransmits"), Some(12.0));
    assert_eq!(r.metric("sum_received.bytes"), Some(11808000000.0));
    assert_eq!(r.metric("cpu_utilization_percent.host_total"), Some(38.5));
    assert_eq!(r.metric("sum_sent.start"), None);

    let udp = r#"{"start": {"version": "iperf 3.1.3", "test_start": {"protocol": "UDP", "num_streams": 1, "blksize": 8192, "duration": 10, "reverse": 0}},
      "intervals": [],
      "end": {"sum": {"start": 0, "end": 10.0, "seconds": 10.0, "bytes": 1310720, "bits_per_second": 1048576,
                      "jitter_ms": 0.012, "lost_packets": 3, "packets": 160, "lost_percent": 1.875}}}"#;
    let x = run("udp.json", udp);
    assert_eq!(adapter(&x), "iperf3-json");
    let r = x.records.get(0).expect("record");
    assert_eq!(r.metric("sum.jitter_ms"), Some(0.012));
    assert_eq!(r.metric("sum.lost_percent"), Some(1.875));
    let direction = |n: &str| x.schema.field(n).and_then(|f| f.direction);
    assert_eq!(direction("sum.jitter_ms"), Some(Direction::LowerIsBetter));
    assert_eq!(
        direction("sum.bits_per_second"),
        Some(Direction::HigherIsBetter)
    );
}

#[test]
fn iperf3_error_report_is_left_to_the_generic_rules() {
    let x = run(
        "err.json",
        r#"{"start": {"connected": [], "version": "iperf 3.9", "test_start": {"protocol": "TCP"}}, "intervals": [], "end": {}, "error": "unable to connect to server"}"#,
    );
    assert_ne!(x.reading.name.as_deref(), Some("iperf3-json"));
}

#[test]
fn k6_summary_export_is_one_record_per_metric() {
    let text = r#"{
      "root_group": {"name": "", "path": "", "id": "d41d8cd98f00b204e9800998ecf8427e", "groups": {}, "checks": {}},
      "metrics": {
        "http_req_duration": {"avg": 1812.87, "min": 28.17, "med": 836.9, "max": 30050.04, "p(90)": 4663.59, "p(95)": 6927.51,
                              "thresholds": {"p(95)<3000": true}},
        "http_req_duration{expected_response:true}": {"avg": 1829.0, "min": 28.17, "med": 861.52, "max": 29200.1, "p(90)": 4661.66, "p(95)": 6949.69},
        "http_reqs": {"count": 20144, "rate": 68.44},
        "checks": {"passes": 16809, "fails": 3335, "value": 0.834},
        "vus": {"value": 300, "min": 1, "max": 300}
      }
    }"#;
    let x = run("summary.json", text);
    assert_eq!(adapter(&x), "k6-summary");
    assert_eq!(x.records.len(), 5);
    let tagged = x
        .records
        .iter()
        .find(|r| {
            r.dimension("metric")
                == Some(DimValue::Str("http_req_duration{expected_response:true}"))
        })
        .expect("tagged sub-metric keeps its full name");
    assert_eq!(tagged.metric("p(95)"), Some(6949.69));
    let reqs = x
        .records
        .iter()
        .find(|r| r.dimension("metric") == Some(DimValue::Str("http_reqs")))
        .expect("http_reqs");
    assert_eq!(reqs.metric("count"), Some(20144.0));
    assert_eq!(reqs.metric("rate"), Some(68.44));
    assert_eq!(
        x.schema.field("avg").and_then(|f| f.unit.as_deref()),
        Some("ms")
    );
}

#[test]
fn k6_handle_summary_json_with_types_and_values() {
    let text = r#"{"options": {"summaryTrendStats": ["avg", "min", "med", "max", "p(90)", "p(95)"]},
      "state": {"testRunDurationMs": 30018.4},
      "metrics": {
        "iteration_duration": {"type": "trend", "contains": "time", "values": {"avg": 1003.2, "min": 1000.1, "med": 1002.9, "max": 1050.0, "p(90)": 1005.0, "p(95)": 1007.5}},
        "data_received": {"type": "counter", "contains": "data", "values": {"count": 16590430, "rate": 56364.66}},
        "http_req_failed": {"type": "rate", "contains": "default", "values": {"rate": 0.0002, "passes": 15, "fails": 65417},
                            "thresholds": {"rate<0.01": {"ok": true}}}
      },
      "root_group": {"name": "", "path": "", "id": "x", "groups": [], "checks": []}}"#;
    let x = run("summary.json", text);
    assert_eq!(adapter(&x), "k6-summary");
    assert_eq!(x.records.len(), 3);
    let trend = x
        .records
        .iter()
        .find(|r| r.dimension("metric") == Some(DimValue::Str("iteration_duration")))
        .expect("trend");
    assert_eq!(trend.dimension("type"), Some(DimValue::Str("trend")));
    assert_eq!(trend.metric("p(95)"), Some(1007.5));
    let failed = x
        .records
        .iter()
        .find(|r| r.dimension("metric") == Some(DimValue::Str("http_req_failed")))
        .expect("rate");
    assert_eq!(failed.metric("rate"), Some(0.0002));
    assert_eq!(failed.metric("fails"), Some(65417.0));
}

#[test]
fn locust_stats_csv_keeps_the_aggregated_row() {
    let text = "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\r
GET,/,120,0,11,13.52,4,120,3126.0,4.01,0.0,11,13,15,16,20,27,38,52,120,120,120\r
POST,/login,30,2,23,25.1,12,88,52.0,1.0,0.07,23,26,28,30,36,45,88,88,88,88,88\r
,Aggregated,150,2,12,15.8,4,120,2511.0,5.01,0.07,12,14,17,18,23,30,45,63,120,120,120\r
";
    let x = run("run_stats.csv", text);
    assert_eq!(adapter(&x), "locust-csv");
    assert_eq!(x.records.len(), 3);
    let login = x.records.get(1).expect("login");
    assert_eq!(login.dimension("Type"), Some(DimValue::Str("POST")));
    assert_eq!(login.dimension("Name"), Some(DimValue::Str("/login")));
    assert_eq!(login.metric("Failure Count"), Some(2.0));
    assert_eq!(login.metric("99%"), Some(88.0));
    let all = x.records.get(2).expect("aggregated");
    assert_eq!(all.dimension("Name"), Some(DimValue::Str("Aggregated")));
    assert_eq!(all.metric("Requests/s"), Some(5.01));
    let field = |n: &str| x.schema.field(n).expect(n);
    assert_eq!(field("Average Response Time").unit.as_deref(), Some("ms"));
    assert_eq!(
        field("Average Response Time").direction,
        Some(Direction::LowerIsBetter)
    );
    assert_eq!(
        field("Requests/s").direction,
        Some(Direction::HigherIsBetter)
    );
}

#[test]
fn locust_history_and_pre_1_0_stats() {
    let history = "Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%,Total Request Count,Total Failure Count,Total Median Response Time,Total Average Response Time,Total Min Response Time,Total Max Response Time,Total Average Content Size
1700000001,10,,Aggregated,0.000000,0.000000,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,0,0,0,0,0,0,0
1700000002,20,,Aggregated,8.5,0.0,11,13,15,16,20,27,38,52,120,120,120,17,0,11,13.5,4,120,3126
";
    let x = run("run_stats_history.csv", history);
    assert_eq!(adapter(&x), "locust-csv");
    assert_eq!(x.records.len(), 2);
    let r = x.records.get(1).expect("second");
    assert_eq!(r.dimension("Timestamp"), Some(DimValue::Int(1700000002)));
    assert_eq!(r.metric("User Count"), Some(20.0));
    assert_eq!(
        x.records.get(0).and_then(|r| r.metric("50%")),
        None,
        "N/A is missing"
    );

    let old = "\"Method\",\"Name\",\"# requests\",\"# failures\",\"Median response time\",\"Average response time\",\"Min response time\",\"Max response time\",\"Average Content Size\",\"Requests/s\"
\"GET\",\"/\",100,0,12,14,3,120,3126,9.80
\"None\",\"Total\",100,0,12,14,3,120,3126,9.80
";
    let x = run("old_requests.csv", old);
    assert_eq!(adapter(&x), "locust-csv");
    assert_eq!(x.records.len(), 2);
    assert_eq!(
        x.records.get(1).and_then(|r| r.dimension("Name")),
        Some(DimValue::Str("Total"))
    );
}

#[test]
fn a_csv_with_a_name_column_is_not_locust() {
    let x = run("r.csv", "Type,Name,Score\nA,x,1.5\nB,y,2.5\n");
    assert_ne!(x.reading.name.as_deref(), Some("locust-csv"));
}
