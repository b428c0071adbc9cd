//! The ml family: nccl-tests/rccl-tests, MLPerf (LoadGen summary,
//! `:::MLLOG`), lm-evaluation-harness (results JSON, printed tables).

use crate::common::Known;
use crate::{adapter, run};
use wfm_extract::{DimValue, Direction};

#[test]
fn real_samples_match_their_ground_truth() {
    crate::check_family("ml", &Known::default());
}

const NCCL_NEW: &str = "\
# nccl-tests version 2.18.0 nccl-headers=22907 nccl-library=22907
# Collective test starting: all_gather_perf
# nThread 1 nGpus 8 minBytes 8 maxBytes 128 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 validation: 1 graph: 0
#
# Using devices
#  Rank  0 Group  0 Pid  100 on node1 device  0 [0x18] NVIDIA H100 80GB HBM3
#  Rank  1 Group  0 Pid  100 on node1 device  1 [0x2a] NVIDIA H100 80GB HBM3
#
#                                                              out-of-place                       in-place
#       size         count      type   redop    root     time   algbw   busbw  #wrong     time   algbw   busbw  #wrong
#        (B)    (elements)                               (us)  (GB/s)  (GB/s)             (us)  (GB/s)  (GB/s)
           8             1     float    none      -1    10.50    0.00    0.00       0    10.10    0.00    0.00       0
          64             8     float    none      -1    11.00    0.01    0.01       0      N/A     N/A     N/A     N/A
         128            16     float    none      -1    12.25    0.01    0.01       0    11.90    0.01    0.01       0
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 0.0067
#
# Collective test concluded: all_gather_perf
";

#[test]
fn nccl_rows_are_records_with_op_and_nranks_and_a_summary_record() {
    let x = run("ag.log", NCCL_NEW);
    assert_eq!(adapter(&x), "nccl-tests");
    assert_eq!(x.records.len(), 4, "3 rows + the Avg bus bandwidth record");
    let r = x.records.get(1).expect("row");
    assert_eq!(r.dimension("size"), Some(DimValue::Int(64)));
    assert_eq!(r.dimension("op"), Some(DimValue::Str("all_gather_perf")));
    assert_eq!(r.dimension("nranks"), Some(DimValue::Int(2)));
    assert_eq!(r.metric("out-of-place.time"), Some(11.0));
    assert_eq!(r.metric("in-place.time"), None, "N/A is missing, never 0");
    let last = x.records.get(3).expect("summary");
    assert_eq!(last.metric("Avg bus bandwidth"), Some(0.0067));
    assert_eq!(last.dimension("size"), None);
    let field = |n: &str| x.schema.field(n).expect(n);
    assert_eq!(field("out-of-place.busbw").unit.as_deref(), Some("GB/s"));
    assert_eq!(field("in-place.time").unit.as_deref(), Some("us"));
    assert_eq!(
        field("out-of-place.busbw").direction,
        Some(Direction::HigherIsBetter)
    );
    assert_eq!(
        field("out-of-place.time").direction,
        Some(Direction::LowerIsBetter)
    );
}

#[test]
fn old_nccl_without_root_with_error_columns_mpi_prefix_and_crlf() {
    let text = "\
[1,0]<stdout>:# nThread 1 nGpus 4 minBytes 8 maxBytes 16 step: 2(factor) warmup iters: 5 iters: 20 validation: 1
[1,0]<stdout>:#   Rank  0 Pid  1 on host device  0 [0x1a] Tesla V100-SXM2-16GB
[1,0]<stdout>:#
[1,0]<stdout>:#                                                 out-of-place                    in-place
[1,0]<stdout>:#       size         count    type   redop     time   algbw   busbw  error     time   algbw   busbw  error
[1,0]<stdout>:#        (B)    (elements)                     (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)
[1,0]<stdout>:           8             2   float     sum    20.31    0.00    0.00  0e+00    20.12    0.00    0.00  0e+00
[1,0]<stdout>:          16             4   float     sum    20.40    0.00    0.00  0e+00    20.30    0.00    0.00  0e+00
[1,0]<stdout>:# Out of bounds values : 0 OK
[1,0]<stdout>:# Avg bus bandwidth    : 0.000923
"
    .replace('\n', "\r\n");
    let x = run("reduce.txt", &text);
    assert_eq!(adapter(&x), "nccl-tests");
    assert_eq!(x.records.len(), 3);
    let r = x.records.get(1).expect("row");
    assert_eq!(r.dimension("redop"), Some(DimValue::Str("sum")));
    assert_eq!(r.dimension("root"), None);
    assert_eq!(r.metric("in-place.time"), Some(20.3));
    assert_eq!(r.metric("out-of-place.error"), Some(0.0));
}

#[test]
fn rccl_output_with_its_extra_lines_is_read_the_same_way() {
    let text = "\
$ mpirun -np 8 ./build/all_reduce_perf -b 8 -e 16 -f 2 -g 1
# nThread 1 nGpus 1 minBytes 8 maxBytes 16 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 validation: 1 graph: 0
#
rccl-tests: Version develop:a7809b3
# Using devices
#  Rank  0 Group  0 Pid   7085 on node device  0 [0000:05:00] AMD Instinct MI300X
#  Rank  1 Group  0 Pid   7086 on node device  1 [0000:25:00] AMD Instinct MI300X
#
#                                                              out-of-place                       in-place
#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong
#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)
           8             2     float     sum      -1    35.10    0.00    0.00      0    34.80    0.00    0.00      0
          16             4     float     sum      -1    35.30    0.00    0.00      0    34.90    0.00    0.00      0
# Errors with asterisks indicate errors that have exceeded the maximum threshold.
# Out of bounds values : 0 OK
# Avg bus bandwidth    : 0.001
";
    let x = run("rccl.txt", text);
    assert_eq!(adapter(&x), "nccl-tests");
    assert_eq!(x.records.len(), 3);
    let r = x.records.get(0).expect("row");
    assert_eq!(r.dimension("op"), Some(DimValue::Str("all_reduce_perf")));
    assert_eq!(r.dimension("nranks"), Some(DimValue::Int(2)));
    assert_eq!(r.metric("in-place.#wrong"), Some(0.0));
}

#[test]
fn a_table_with_algbw_but_no_nccl_header_is_not_nccl() {
    let text = "size algbw busbw\n8 1.0 2.0\n16 1.5 2.5\n";
    let x = run("bw.txt", text);
    assert_ne!(x.reading.name.as_deref(), Some("nccl-tests"));
}

const MLPERF_OFFLINE: &str = "\
================================================
MLPerf Results Summary
================================================
SUT name : TRT_SUT
Scenario : Offline
Mode     : PerformanceOnly
Samples per second: 12345.6
Result is : INVALID
  Min duration satisfied : NO
  Min queries satisfied : Yes

================================================
Additional Stats
================================================
Min latency (ns)                : 100
Mean latency (ns)               : 250

================================================
Test Parameters Used
================================================
samples_per_query : 66000
target_qps : 12000
qsl_rng_seed : 13281865557512327830
";

#[test]
fn loadgen_summary_is_one_record_with_units_from_parentheses() {
    let x = run(
        "mlperf_log_summary.txt",
        &MLPERF_OFFLINE.replace('\n', "\r\n"),
    );
    assert_eq!(adapter(&x), "mlperf-loadgen-summary");
    assert_eq!(x.records.len(), 1);
    let r = x.records.get(0).expect("record");
    assert_eq!(r.dimension("Result is"), Some(DimValue::Str("INVALID")));
    assert_eq!(
        r.dimension("Min duration satisfied"),
        Some(DimValue::Str("NO"))
    );
    assert_eq!(r.dimension("samples_per_query"), Some(DimValue::Int(66000)));
    assert_eq!(
        r.dimension("qsl_rng_seed"),
        Some(DimValue::Str("13281865557512327830")),
        "a seed beyond i64 keeps every digit"
    );
    assert_eq!(r.metric("Samples per second"), Some(12345.6));
    assert_eq!(r.metric("Mean latency"), Some(250.0));
    let field = |n: &str| x.schema.field(n).expect(n);
    assert_eq!(field("Mean latency").unit.as_deref(), Some("ns"));
    assert_eq!(
        field("Samples per second").direction,
        Some(Direction::HigherIsBetter)
    );
    assert_eq!(
        field("Mean latency").direction,
        Some(Direction::LowerIsBetter)
    );
}

#[test]
fn mllog_with_a_log_prefix_groups_events_by_progress() {
    let text = r#"
[1,0]<stdout>: :::MLLOG {"namespace": "", "time_ms": 1000, "event_type": "POINT_IN_TIME", "key": "submission_benchmark", "value": "bert", "metadata": {"file": "a.py", "lineno": 1}}
[1,0]<stdout>: :::MLLOG {"namespace": "", "time_ms": 1000, "event_type": "POINT_IN_TIME", "key": "global_batch_size", "value": 448, "metadata": {"file": "a.py", "lineno": 2}}
[1,0]<stdout>: :::MLLOG {"namespace": "", "time_ms": 2000, "event_type": "INTERVAL_START", "key": "run_start", "value": null, "metadata": {"file": "a.py", "lineno": 3}}
some other log line
[1,0]<stdout>: :::MLLOG {"namespace": "", "time_ms": 3000, "event_type": "POINT_IN_TIME", "key": "eval_loss", "value": 1.9, "metadata": {"file": "a.py", "lineno": 4, "epoch_num": 1}}
[1,0]<stdout>: :::MLLOG {"namespace": "", "time_ms": 3000, "event_type": "POINT_IN_TIME", "key": "eval_accuracy", "value": 0.70, "metadata": {"file": "a.py", "lineno": 5, "epoch_num": 1}}
[1,0]<stdout>: :::MLLOG {"namespace": "", "time_ms": 4000, "event_type": "POINT_IN_TIME", "key": "eval_accuracy", "value": NaN, "metadata": {"file": "a.py", "lineno": 5, "epoch_num": 2}}
[1,0]<stdout>: :::MLLOG {"namespace": "", "time_ms": 5000, "event_type": "POINT_IN_TIME", "key": "eval_accuracy", "value": 0.72, "metadata": {"file": "a.py", "lineno": 5, "epoch_num": 3}}
[1,0]<stdout>: :::MLLOG {"namespace": "", "time_ms": 9000, "event_type": "INTERVAL_END", "key": "run_stop", "value": null, "metadata": {"file": "a.py", "lineno": 6, "status": "success"}}
"#;
    let x = run("result_0.txt", text);
    assert_eq!(adapter(&x), "mlperf-mllog");
    assert_eq!(x.records.len(), 3, "epochs 1 and 3 (NaN is missing) + run");
    let r = x.records.get(0).expect("epoch 1");
    assert_eq!(
        r.dimension("submission_benchmark"),
        Some(DimValue::Str("bert"))
    );
    assert_eq!(r.dimension("global_batch_size"), Some(DimValue::Int(448)));
    assert_eq!(r.dimension("epoch_num"), Some(DimValue::Int(1)));
    assert_eq!(r.metric("eval_loss"), Some(1.9));
    assert_eq!(r.metric("eval_accuracy"), Some(0.70));
    let run_record = x.records.get(2).expect("run");
    assert_eq!(run_record.metric("run_duration"), Some(7000.0));
    assert_eq!(
        run_record.dimension("status"),
        Some(DimValue::Str("success"))
    );
    let direction = |n: &str| x.schema.field(n).and_then(|f| f.direction);
    assert_eq!(direction("eval_accuracy"), Some(Direction::HigherIsBetter));
    assert_eq!(direction("eval_loss"), Some(Direction::LowerIsBetter));
}

const LM_EVAL_V04: &str = r#"{
  "results": {
    "gsm8k": {"alias": "gsm8k", "exact_match,strict-match": 0.41, "exact_match_stderr,strict-match": 0.013,
              "exact_match,flexible-extract": 0.43, "exact_match_stderr,flexible-extract": 0.0136},
    "hellaswag": {"alias": "hellaswag", "acc,none": 0.6008, "acc_stderr,none": 0.0049,
                  "acc_norm,none": 0.7893, "acc_norm_stderr,none": 0.0041},
    "wikitext": {"alias": "wikitext", "word_perplexity,none": 9.5, "word_perplexity_stderr,none": "N/A"}
  },
  "group_subtasks": {"gsm8k": [], "hellaswag": [], "wikitext": []},
  "configs": {"gsm8k": {"task": "gsm8k"}},
  "versions": {"gsm8k": 3.0, "hellaswag": 1.0, "wikitext": 2.0},
  "n-shot": {"gsm8k": 5, "hellaswag": 0, "wikitext": 0},
  "higher_is_better": {"gsm8k": {"exact_match": true}, "hellaswag": {"acc": true, "acc_norm": true},
                       "wikitext": {"word_perplexity": false}},
  "n-samples": {"gsm8k": {"original": 1319, "effective": 1319}},
  "config": {"model": "hf", "model_args": "pretrained=meta-llama/Meta-Llama-3.1-8B", "batch_size": 1, "limit": null},
  "git_hash": "abc1234",
  "date": 1725000000.5,
  "pretty_env_info": "PyTorch version: 2.4.0"
}"#;

#[test]
fn lm_eval_json_is_one_record_per_task_and_filter() {
    let x = run("results_2024-08-30.json", LM_EVAL_V04);
    assert_eq!(adapter(&x), "lm-eval-json");
    assert_eq!(x.records.len(), 4, "gsm8k × 2 filters, hellaswag, wikitext");
    let find = |task: &str, filter: &str| {
        x.records
            .iter()
            .find(|r| {
                r.dimension("task") == Some(DimValue::Str(task))
                    && r.dimension("filter") == Some(DimValue::Str(filter))
            })
            .expect("record")
    };
    let g = find("gsm8k", "flexible-extract");
    assert_eq!(g.metric("exact_match"), Some(0.43));
    assert_eq!(g.metric("exact_match_stderr"), Some(0.0136));
    assert_eq!(g.dimension("n-shot"), Some(DimValue::Int(5)));
    assert_eq!(g.dimension("n-samples.original"), Some(DimValue::Int(1319)));
    assert_eq!(g.dimension("config.model"), Some(DimValue::Str("hf")));
    assert_eq!(g.dimension("git_hash"), Some(DimValue::Str("abc1234")));
    assert_eq!(g.dimension("pretty_env_info"), None);
    let w = find("wikitext", "none");
    assert_eq!(w.metric("word_perplexity_stderr"), None, "N/A is missing");
    let direction = |n: &str| x.schema.field(n).and_then(|f| f.direction);
    assert_eq!(direction("word_perplexity"), Some(Direction::LowerIsBetter));
    assert_eq!(direction("acc_norm"), Some(Direction::HigherIsBetter));
}

#[test]
fn lm_eval_table_gives_the_same_records_and_names_as_the_json() {
    let text = "\
hf (pretrained=meta-llama/Meta-Llama-3.1-8B), gen_kwargs: (None), limit: None, num_fewshot: None, batch_size: 1
|  Tasks  |Version|     Filter     |n-shot|    Metric     |   |Value |   |Stderr|
|---------|------:|----------------|-----:|---------------|---|-----:|---|-----:|
|gsm8k    |      3|flexible-extract|     5|exact_match    |↑  |0.4300|±  |0.0136|
|         |       |strict-match    |     5|exact_match    |↑  |0.4100|±  |0.0130|
|hellaswag|      1|none            |     0|acc            |↑  |0.6008|±  |0.0049|
|         |       |none            |     0|acc_norm       |↑  |0.7893|±  |0.0041|
|wikitext |      2|none            |     0|word_perplexity|↓  |9.5000|±  |   N/A|
";
    for path in ["results.md", "eval.log"] {
        let x = run(path, text);
        assert_eq!(adapter(&x), "lm-eval-table", "{path}");
        assert_eq!(x.records.len(), 4, "{path}");
        let h = x
            .records
            .iter()
            .find(|r| r.dimension("task") == Some(DimValue::Str("hellaswag")))
            .expect("hellaswag");
        assert_eq!(h.metric("acc_norm"), Some(0.7893));
        assert_eq!(h.metric("acc_norm_stderr"), Some(0.0041));
        assert_eq!(h.dimension("Filter"), Some(DimValue::Str("none")));
        assert_eq!(h.dimension("batch_size"), Some(DimValue::Int(1)));
        assert_eq!(
            h.dimension("model_args"),
            Some(DimValue::Str("pretrained=meta-llama/Meta-Llama-3.1-8B"))
        );
        let direction = |n: &str| x.schema.field(n).and_then(|f| f.direction);
        assert_eq!(direction("word_perplexity"), Some(Direction::LowerIsBetter));
        assert_eq!(direction("acc"), Some(Direction::HigherIsBetter));
    }
}

#[test]
fn a_results_map_without_lm_eval_companions_is_left_to_the_generic_rules() {
    let x = run(
        "r.json",
        r#"{"results": {"a": {"latency": 1.5}, "b": {"latency": 2.5}}, "machine": "x"}"#,
    );
    assert_ne!(x.reading.name.as_deref(), Some("lm-eval-json"));
}
