//! LLM serving and inference benchmarks: vLLM, sglang, llama-bench,
//! optimum-benchmark, PyTorch dynamo / TorchBench.

use crate::common::Known;
use crate::{adapter, run};
use wfm_extract::{DimValue, Direction, Extraction};

#[test]
fn real_samples_match_their_ground_truth() {
    crate::check_family("serving", &Known::default());
}

fn direction(x: &Extraction, name: &str) -> Option<Direction> {
    x.schema.field(name).and_then(|f| f.direction)
}

fn unit(x: &Extraction, name: &str) -> Option<String> {
    x.schema.field(name).and_then(|f| f.unit.clone())
}

fn is_dim(x: &Extraction, name: &str) -> bool {
    x.schema.dimension_fields.iter().any(|d| d == name)
}

fn is_metric(x: &Extraction, name: &str) -> bool {
    x.schema.metric_fields.iter().any(|d| d == name)
}

#[test]
fn vllm_result_with_per_request_arrays_is_one_record_and_arrays_are_skipped() {
    // benchmark_serving.py --save-result of vLLM 0.6: the per-request arrays
    // come before the percentile keys, and request_rate is a bare Infinity.
    let text = r#"{"date": "20241003-101010", "backend": "vllm", "model_id": "meta-llama/Llama-3.1-8B", "tokenizer_id": "meta-llama/Llama-3.1-8B", "best_of": 1, "use_beam_search": false, "num_prompts": 3, "request_rate": Infinity, "burstiness": 1.0, "max_concurrency": 64, "duration": 2.5, "completed": 3, "total_input_tokens": 300, "total_output_tokens": 90, "request_throughput": 1.2, "request_goodput:": null, "output_throughput": 36.0, "total_token_throughput": 156.0, "input_lens": [100, 100, 100], "output_lens": [30, 30, 30], "ttfts": [0.1, 0.2, 0.3], "itls": [[0.01, 0.02], [0.01], []], "generated_texts": ["a", "b", "c"], "errors": ["", "", ""], "mean_ttft_ms": 200.0, "median_ttft_ms": 200.0, "std_ttft_ms": 81.6, "p99_ttft_ms": 299.0, "mean_e2el_ms": 900.5, "p50_e2el_ms": 880.0}"#;
    let x = run("serving.json", text);
    assert_eq!(adapter(&x), "vllm-bench-serve");
    assert_eq!(x.records.len(), 1);
    let r = x.records.get(0).expect("record");
    assert_eq!(r.dimension("request_rate"), Some(DimValue::Str("inf")));
    assert_eq!(r.dimension("max_concurrency"), Some(DimValue::Int(64)));
    assert_eq!(r.dimension("num_prompts"), Some(DimValue::Int(3)));
    assert_eq!(r.metric("completed"), Some(3.0));
    assert_eq!(r.metric("total_input_tokens"), Some(300.0));
    assert_eq!(r.metric("p50_e2el_ms"), Some(880.0));
    for array in [
        "input_lens",
        "output_lens",
        "ttfts",
        "itls",
        "generated_texts",
        "errors",
    ] {
        assert!(x.schema.field(array).is_none(), "{array} is not a field");
    }
    assert_eq!(unit(&x, "mean_ttft_ms").as_deref(), Some("ms"));
    assert_eq!(unit(&x, "request_throughput").as_deref(), Some("req/s"));
    assert_eq!(unit(&x, "output_throughput").as_deref(), Some("tok/s"));
    assert_eq!(unit(&x, "duration").as_deref(), Some("s"));
    assert_eq!(
        direction(&x, "mean_ttft_ms"),
        Some(Direction::LowerIsBetter)
    );
    assert_eq!(
        direction(&x, "output_throughput"),
        Some(Direction::HigherIsBetter)
    );
    assert_eq!(
        r.timestamp().map(|t| t.to_rfc3339()).as_deref(),
        Some("2024-10-03T10:10:10+00:00")
    );
}

#[test]
fn vllm_appended_results_are_one_record_per_line() {
    // --append-result writes one JSON object per line; CRLF line ends.
    let text = "{\"backend\": \"vllm\", \"request_rate\": 1.0, \"completed\": 10, \"mean_ttft_ms\": 50.5, \"duration\": 10.0}\r\n{\"backend\": \"vllm\", \"request_rate\": 4.0, \"completed\": 40, \"mean_ttft_ms\": NaN, \"duration\": 10.0}\r\n";
    let x = run("runs.jsonl", text);
    assert_eq!(adapter(&x), "vllm-bench-serve");
    assert_eq!(x.records.len(), 2);
    let second = x.records.get(1).expect("second");
    assert_eq!(second.dimension("request_rate"), Some(DimValue::Float(4.0)));
    assert_eq!(
        second.metric("mean_ttft_ms"),
        None,
        "NaN is missing, never 0"
    );
    assert_eq!(second.metric("completed"), Some(40.0));
}

#[test]
fn sglang_jsonl_settings_are_dimensions_even_when_null() {
    let text = concat!(
        r#"{"backend": "sglang", "dataset_name": "random", "request_rate": 8.0, "max_concurrency": null, "sharegpt_output_len": null, "random_input_len": 1024, "random_output_len": 1024, "random_range_ratio": 0.0, "duration": 120.5, "completed": 960, "total_input_tokens": 500000, "total_output_tokens": 480000, "total_output_tokens_retokenized": 479000, "request_throughput": 7.9, "input_throughput": 4000.1, "output_throughput": 3900.2, "mean_e2e_latency_ms": 9000.0, "median_e2e_latency_ms": 8900.0, "mean_ttft_ms": 80.0, "median_ttft_ms": 70.0, "p99_ttft_ms": 200.0, "mean_itl_ms": 14.0, "concurrency": 71.3, "accept_length": null}"#,
        "\n"
    );
    let x = run("bench.jsonl", text);
    assert_eq!(adapter(&x), "sglang-bench-serving");
    assert!(is_dim(&x, "max_concurrency"));
    assert!(is_dim(&x, "sharegpt_output_len"));
    assert!(is_dim(&x, "random_range_ratio"));
    assert!(is_metric(&x, "concurrency"), "measured mean concurrency");
    let r = x.records.get(0).expect("record");
    assert_eq!(r.dimension("dataset_name"), Some(DimValue::Str("random")));
    assert_eq!(r.metric("input_throughput"), Some(4000.1));
    assert_eq!(unit(&x, "input_throughput").as_deref(), Some("tok/s"));
}

#[test]
fn vllm_offline_throughput_and_latency_json() {
    let x = run(
        "throughput.json",
        r#"{"elapsed_time": 42.5, "num_requests": 1000, "total_num_tokens": 512000, "requests_per_second": 23.53, "tokens_per_second": 12047.06}"#,
    );
    assert_eq!(adapter(&x), "vllm-benchmark-throughput");
    assert_eq!(x.records.len(), 1);
    assert!(is_dim(&x, "num_requests"));
    let r = x.records.get(0).expect("record");
    assert_eq!(r.metric("tokens_per_second"), Some(12047.06));
    assert_eq!(unit(&x, "requests_per_second").as_deref(), Some("req/s"));
    assert_eq!(
        direction(&x, "elapsed_time"),
        Some(Direction::LowerIsBetter)
    );

    let x = run(
        "latency.json",
        r#"{
    "avg_latency": 1.2345,
    "latencies": [1.2, 1.25, 1.26],
    "percentiles": {"10": 1.2, "25": 1.21, "50": 1.23, "75": 1.25, "90": 1.26, "99": 1.3}
}"#,
    );
    assert_eq!(adapter(&x), "vllm-benchmark-latency");
    assert_eq!(x.records.len(), 1);
    let r = x.records.get(0).expect("record");
    assert_eq!(r.metric("avg_latency"), Some(1.2345));
    assert_eq!(r.metric("percentiles.99"), Some(1.3));
    assert_eq!(unit(&x, "percentiles.50").as_deref(), Some("s"));
    assert!(x.schema.field("latencies").is_none());
}

const VLLM_CONSOLE: &str =
    "INFO 08-25 11:02:14 [__init__.py:216] Automatically detected platform cuda.
Starting initial single prompt test run...
Traffic request rate: inf
Burstiness factor: 1.0 (Poisson process)
Maximum request concurrency: 32
100%|██████████| 1000/1000 [00:56<00:00, 17.61it/s]
============ Serving Benchmark Result ============
Successful requests:                     1000      \r
Benchmark duration (s):                  56.78     \r
Total input tokens:                      215196    
Total generated tokens:                  198343    
Request throughput (req/s):              17.61     
Output token throughput (tok/s):         3493.28   
Total Token throughput (tok/s):          7283.11   
---------------Time to First Token----------------
Mean TTFT (ms):                          1234.56   
Median TTFT (ms):                        1100.00   
P99 TTFT (ms):                           2999.99   
-----Time per Output Token (excl. 1st token)------
Mean TPOT (ms):                          25.10     
---------------Inter-token Latency----------------
Mean ITL (ms):                           24.90     
==================================================
Traffic request rate: 16.0
Burstiness factor: 1.0 (Poisson process)
Maximum request concurrency: None
============ Serving Benchmark Result ============
Successful requests:                     1000      
Benchmark duration (s):                  70.01     
Mean TTFT (ms):                          99.50     
==================================================
";

#[test]
fn console_blocks_of_one_log_are_numbered_even_with_the_same_settings() {
    let block = "# Maximum request concurrency: 32
# ============ Serving Benchmark Result ============
# Successful requests:                     32        
# Mean TTFT (ms):                          7279.56   
# ==================================================
";
    let x = run("runs.sh", &format!("{block}\n{block}"));
    assert_eq!(adapter(&x), "serving-benchmark-console");
    let runs: Vec<_> = x.records.iter().map(|r| r.dimension("run")).collect();
    assert_eq!(runs, [Some(DimValue::Int(1)), Some(DimValue::Int(2))]);
    // One block alone has no run.
    let one = run("run.sh", block);
    assert_eq!(one.records.len(), 1);
    assert!(one.schema.field("run").is_none());
}

#[test]
fn vllm_console_is_one_record_per_block_with_printed_names_and_units() {
    let x = run("bench.log", VLLM_CONSOLE);
    assert_eq!(adapter(&x), "serving-benchmark-console");
    assert_eq!(x.records.len(), 2);
    let first = x.records.get(0).expect("first");
    assert_eq!(
        first.dimension("Traffic request rate"),
        Some(DimValue::Str("inf"))
    );
    assert_eq!(
        first.dimension("Burstiness factor"),
        Some(DimValue::Float(1.0))
    );
    assert_eq!(
        first.dimension("Maximum request concurrency"),
        Some(DimValue::Int(32))
    );
    assert_eq!(first.metric("Successful requests"), Some(1000.0));
    assert_eq!(first.metric("Mean TTFT (ms)"), Some(1234.56));
    assert_eq!(
        first.metric("Output token throughput (tok/s)"),
        Some(3493.28)
    );
    let second = x.records.get(1).expect("second");
    assert_eq!(
        second.dimension("Traffic request rate"),
        Some(DimValue::Float(16.0))
    );
    assert_eq!(second.dimension("Maximum request concurrency"), None);
    assert_eq!(second.metric("Mean TTFT (ms)"), Some(99.5));
    assert_eq!(unit(&x, "Mean TTFT (ms)").as_deref(), Some("ms"));
    assert_eq!(unit(&x, "Benchmark duration (s)").as_deref(), Some("s"));
    assert_eq!(
        unit(&x, "Request throughput (req/s)").as_deref(),
        Some("req/s")
    );
    assert_eq!(
        direction(&x, "Mean TTFT (ms)"),
        Some(Direction::LowerIsBetter)
    );
    assert_eq!(
        direction(&x, "Output token throughput (tok/s)"),
        Some(Direction::HigherIsBetter)
    );
    assert!(is_metric(&x, "Total input tokens"));
}

#[test]
fn sglang_console_keeps_backend_and_rate_as_dimensions() {
    let text = "#Input tokens: 50561
#Output tokens: 25883
Starting warmup with 5 sequences...

============ Serving Benchmark Result ============
Backend:                                 sglang-oai-chat
Traffic request rate:                    20.0
Max request concurrency:                 not set
Successful requests:                     100
Benchmark duration (s):                  107.24
Total input tokens:                      50561
Total generated tokens (retokenized):    25800
Request throughput (req/s):              0.93
Total throughput (tok/s):                712.80
Concurrency:                             19.62
----------------End-to-End Latency----------------
Mean E2E Latency (ms):                   21046.67
Median E2E Latency (ms):                 20100.00
---------------Time to First Token----------------
Mean TTFT (ms):                          150.21
Median TPOT (ms):                        -0.00
==================================================
";
    let x = run("sglang.txt", text);
    assert_eq!(adapter(&x), "serving-benchmark-console");
    assert_eq!(x.records.len(), 1);
    let r = x.records.get(0).expect("record");
    assert_eq!(
        r.dimension("Backend"),
        Some(DimValue::Str("sglang-oai-chat"))
    );
    assert_eq!(
        r.dimension("Traffic request rate"),
        Some(DimValue::Float(20.0))
    );
    assert_eq!(r.dimension("Max request concurrency"), None);
    assert_eq!(r.metric("Mean E2E Latency (ms)"), Some(21046.67));
    assert_eq!(
        r.metric("Total generated tokens (retokenized)"),
        Some(25800.0)
    );
    assert_eq!(r.metric("Median TPOT (ms)"), Some(-0.0));
    assert!(x.schema.field("#Input tokens").is_none());
}

const LLAMA_BENCH_MD: &str = "ggml_cuda_init: found 1 CUDA devices:
  Device 0: NVIDIA GeForce RTX 3090 Ti, compute capability 8.6, VMM: yes
| model                          |       size |     params | backend    | ngl |          test |                  t/s |
| ------------------------------ | ---------: | ---------: | ---------- | --: | ------------: | -------------------: |
| llama 7B mostly Q4_0           |   3.56 GiB |     6.74 B | CUDA       |  99 |         pp512 |      4530.38 ± 27.47 |
| llama 7B mostly Q4_0           |   3.56 GiB |     6.74 B | CUDA       |  99 |         tg128 |        159.96 ± 0.59 |

build: 8e672efe (2826)
";

#[test]
fn llama_bench_markdown_is_one_record_per_test() {
    for path in ["bench.md", "bench.txt"] {
        let x = run(path, LLAMA_BENCH_MD);
        assert_eq!(adapter(&x), "llama-bench-markdown", "{path}");
        assert_eq!(x.records.len(), 2);
        let tg = x
            .records
            .iter()
            .find(|r| r.dimension("test") == Some(DimValue::Str("tg128")))
            .expect("tg128");
        assert_eq!(tg.metric("t/s"), Some(159.96));
        assert_eq!(tg.metric("t/s_stddev"), Some(0.59));
        assert_eq!(tg.dimension("ngl"), Some(DimValue::Int(99)));
        assert_eq!(tg.dimension("size"), Some(DimValue::Str("3.56 GiB")));
        assert_eq!(
            tg.dimension("build_commit"),
            Some(DimValue::Str("8e672efe"))
        );
        assert_eq!(tg.dimension("build_number"), Some(DimValue::Int(2826)));
        assert_eq!(direction(&x, "t/s"), Some(Direction::HigherIsBetter));
    }
}

#[test]
fn llama_bench_tables_of_several_runs_are_numbered() {
    // Two runs pasted one after the other, no heading: the same settings,
    // told apart by their order.
    let two = format!("{LLAMA_BENCH_MD}\n{LLAMA_BENCH_MD}");
    let x = run("bench.txt", &two);
    assert_eq!(adapter(&x), "llama-bench-markdown");
    assert_eq!(x.records.len(), 4);
    let runs: Vec<_> = x.records.iter().map(|r| r.dimension("run")).collect();
    assert_eq!(runs, [1, 1, 2, 2].map(|n| Some(DimValue::Int(n))).to_vec());
    assert!(x.schema.field("table").is_none());
    // One table under a heading stays as it was: no run, no table.
    let one = run("bench.md", &format!("## Results\n\n{LLAMA_BENCH_MD}"));
    assert_eq!(one.records.len(), 2);
    assert!(one.schema.field("run").is_none());
    assert!(one.schema.field("table").is_none());
}

#[test]
fn llama_bench_csv_json_and_jsonl_share_the_fields() {
    let csv = "build_commit,build_number,cpu_info,gpu_info,backends,model_filename,model_type,model_size,model_n_params,n_batch,n_ubatch,n_threads,type_k,type_v,n_gpu_layers,split_mode,main_gpu,no_kv_offload,flash_attn,tensor_split,use_mmap,embeddings,n_prompt,n_gen,test_time,avg_ns,stddev_ns,avg_ts,stddev_ts\r
\"8cf427ff\",\"5163\",\"AMD Ryzen 7 7800X3D 8-Core Processor\",\"NVIDIA GeForce RTX 4080\",\"CUDA\",\"models/Qwen2.5-7B-Instruct-Q4_K_M.gguf\",\"qwen2 7B Q4_K - Medium\",\"4677120000\",\"7615616512\",\"2048\",\"512\",\"8\",\"f16\",\"f16\",\"99\",\"layer\",\"0\",\"0\",\"0\",\"0.00\",\"1\",\"0\",\"512\",\"0\",\"2025-04-24T11:57:09Z\",\"70285660\",\"982040\",\"7285.676949\",\"101.064434\"\r
\"8cf427ff\",\"5163\",\"AMD Ryzen 7 7800X3D 8-Core Processor\",\"NVIDIA GeForce RTX 4080\",\"CUDA\",\"models/Qwen2.5-7B-Instruct-Q4_K_M.gguf\",\"qwen2 7B Q4_K - Medium\",\"4677120000\",\"7615616512\",\"2048\",\"512\",\"8\",\"f16\",\"f16\",\"99\",\"layer\",\"0\",\"0\",\"0\",\"0.00\",\"1\",\"0\",\"0\",\"128\",\"2025-04-24T11:57:10Z\",\"1070571772\",\"764932\",\"119.564697\",\"0.085431\"\r
";
    let x = run("bench.csv", csv);
    assert_eq!(adapter(&x), "llama-bench-csv");
    assert_eq!(x.records.len(), 2);
    let r = x.records.get(1).expect("tg");
    assert_eq!(r.dimension("n_gen"), Some(DimValue::Int(128)));
    assert_eq!(
        r.dimension("model_type"),
        Some(DimValue::Str("qwen2 7B Q4_K - Medium"))
    );
    assert_eq!(r.metric("avg_ts"), Some(119.564697));
    assert_eq!(r.metric("avg_ns"), Some(1070571772.0));
    assert_eq!(unit(&x, "avg_ns").as_deref(), Some("ns"));
    assert_eq!(direction(&x, "avg_ns"), Some(Direction::LowerIsBetter));
    assert_eq!(direction(&x, "avg_ts"), Some(Direction::HigherIsBetter));

    let object = r#"{"build_commit": "8cf427ff", "build_number": 5163, "cpu_info": "AMD Ryzen 7 7800X3D", "gpu_info": "NVIDIA GeForce RTX 4080", "backends": "CUDA", "model_filename": "models/q.gguf", "model_type": "qwen2 7B Q4_K - Medium", "model_size": 4677120000, "model_n_params": 7615616512, "n_batch": 2048, "n_ubatch": 512, "n_threads": 8, "type_k": "f16", "n_gpu_layers": 99, "flash_attn": false, "tensor_split": "0.00", "use_mmap": true, "n_prompt": NPROMPT, "n_gen": NGEN, "test_time": "2025-04-24T11:57:09Z", "avg_ns": 70285660, "stddev_ns": 982040, "avg_ts": AVG, "stddev_ts": 101.064434, "samples_ns": [69000000, 71000000], "samples_ts": [7300.1, 7270.2]}"#;
    let pp = object
        .replace("NPROMPT", "512")
        .replace("NGEN", "0")
        .replace("AVG", "7285.676949");
    let tg = object
        .replace("NPROMPT", "0")
        .replace("NGEN", "128")
        .replace("AVG", "119.564697");
    let json = format!("[\n  {pp},\n  {tg}\n]\n");
    let jsonl = format!("{pp}\n{tg}\n");
    for (path, text) in [("bench.json", json), ("bench.jsonl", jsonl)] {
        let x = run(path, &text);
        assert_eq!(adapter(&x), "llama-bench-json", "{path}");
        assert_eq!(x.records.len(), 2, "{path}");
        let pp = x
            .records
            .iter()
            .find(|r| r.dimension("n_prompt") == Some(DimValue::Int(512)))
            .expect("pp");
        assert_eq!(pp.metric("avg_ts"), Some(7285.676949));
        assert_eq!(pp.dimension("flash_attn"), Some(DimValue::Bool(false)));
        assert!(x.schema.field("samples_ns").is_none());
        assert!(is_dim(&x, "model_n_params"));
    }
}

#[test]
fn optimum_benchmark_is_one_record_per_stage_with_config_dimensions() {
    let report = r#"{
        "load_model": {"memory": {"unit": "MB", "max_ram": 5534.7, "max_global_vram": 9003.4, "max_process_vram": 8076.1, "max_reserved": 7562.3, "max_allocated": 7372.4},
                       "latency": {"unit": "s", "values": [11.75], "count": 1, "total": 11.75, "mean": 11.75, "p50": 11.75, "p90": 11.75, "p95": 11.75, "p99": 11.75, "stdev": 0, "stdev_": 0},
                       "throughput": null, "energy": null, "efficiency": null},
        "prefill": {"memory": {"unit": "MB", "max_ram": 1449.1, "max_global_vram": 9045.4, "max_process_vram": 8118.0, "max_reserved": 7583.3, "max_allocated": 6809.9},
                    "latency": {"unit": "s", "values": [0.0324, 0.0325], "count": 2, "total": 0.0649, "mean": 0.03245, "p50": 0.03245, "p90": 0.0325, "p95": 0.0325, "p99": 0.0325, "stdev": 0.00005, "stdev_": 0.15},
                    "throughput": {"unit": "samples/s", "value": 30.8},
                    "energy": {"unit": "kWh", "cpu": 1.1e-06, "ram": 2.0e-07, "gpu": 3.3e-06, "total": 4.6e-06},
                    "efficiency": {"unit": "samples/kWh", "value": 217391.3}},
        "decode": {"memory": null,
                   "latency": {"unit": "s", "values": [1.45, 1.46], "count": 2, "total": 2.91, "mean": 1.455, "p50": 1.455, "p90": 1.46, "p95": 1.46, "p99": 1.46, "stdev": 0.005, "stdev_": 0.34},
                   "throughput": {"unit": "tokens/s", "value": 43.08}, "energy": null, "efficiency": null}
    }"#;
    let x = run("benchmark_report.json", report);
    assert_eq!(adapter(&x), "optimum-benchmark");
    assert_eq!(x.records.len(), 3);
    let prefill = x
        .records
        .iter()
        .find(|r| r.dimension("stage") == Some(DimValue::Str("prefill")))
        .expect("prefill");
    assert_eq!(prefill.metric("latency.mean"), Some(0.03245));
    assert_eq!(prefill.metric("memory.max_ram"), Some(1449.1));
    assert_eq!(prefill.metric("throughput.value"), Some(30.8));
    assert_eq!(prefill.metric("energy.total"), Some(4.6e-06));
    assert_eq!(unit(&x, "latency.mean").as_deref(), Some("s"));
    assert_eq!(unit(&x, "memory.max_ram").as_deref(), Some("MB"));
    assert_eq!(direction(&x, "latency.p99"), Some(Direction::LowerIsBetter));
    assert_eq!(
        direction(&x, "throughput.value"),
        Some(Direction::HigherIsBetter)
    );
    assert!(x.schema.field("latency.values").is_none());

    let wrapped = format!(
        r#"{{"config": {{"name": "cuda_pytorch_llama", "backend": {{"name": "pytorch", "model": "meta-llama/Llama-3.1-8B-Instruct", "device": "cuda", "device_ids": "0", "torch_dtype": "bfloat16"}}, "scenario": {{"name": "inference", "input_shapes": {{"batch_size": 1, "sequence_length": 64}}, "generate_kwargs": {{"max_new_tokens": 32}}}}, "environment": {{"gpu": ["NVIDIA A100"], "gpu_count": 1}}}}, "report": {report}}}"#
    );
    let x = run("benchmark.json", &wrapped);
    assert_eq!(adapter(&x), "optimum-benchmark");
    assert_eq!(x.records.len(), 3);
    let decode = x
        .records
        .iter()
        .find(|r| r.dimension("stage") == Some(DimValue::Str("decode")))
        .expect("decode");
    assert_eq!(
        decode.dimension("config.backend.model"),
        Some(DimValue::Str("meta-llama/Llama-3.1-8B-Instruct"))
    );
    assert_eq!(
        decode.dimension("config.scenario.input_shapes.batch_size"),
        Some(DimValue::Int(1))
    );
    assert_eq!(decode.metric("throughput.value"), Some(43.08));
}

#[test]
fn dynamo_performance_and_accuracy_csvs() {
    let perf = "dev,name,batch_size,speedup,abs_latency,compilation_latency,compression_ratio,eager_peak_mem,dynamo_peak_mem,calls_captured,unique_graphs,graph_breaks,unique_graph_breaks,autograd_captures,autograd_compiles,cudagraph_skips\n\
cuda,BERT_pytorch,16,1.583210,12.401,45.120,0.98,2.10,2.05,427,1,0,0,0,0,0\n\
cuda,hf_T5,8,1.201002,30.512,80.334,1.01,5.90,5.80,1021,3,2,1,0,0,1\n";
    let x = run(
        "inductor_torchbench_float16_inference_cuda_performance.csv",
        perf,
    );
    assert_eq!(adapter(&x), "pytorch-dynamo-benchmark-csv");
    assert_eq!(x.records.len(), 2);
    assert!(is_dim(&x, "batch_size"));
    let t5 = x
        .records
        .iter()
        .find(|r| r.dimension("name") == Some(DimValue::Str("hf_T5")))
        .expect("hf_T5");
    assert_eq!(t5.metric("speedup"), Some(1.201002));
    assert_eq!(t5.metric("graph_breaks"), Some(2.0));
    assert_eq!(unit(&x, "abs_latency").as_deref(), Some("ms"));
    assert_eq!(direction(&x, "speedup"), Some(Direction::HigherIsBetter));
    assert_eq!(
        direction(&x, "compilation_latency"),
        Some(Direction::LowerIsBetter)
    );

    let accuracy = "dev,name,batch_size,accuracy,calls_captured,unique_graphs,graph_breaks,unique_graph_breaks\n\
cuda,BERT_pytorch,4,pass,427,1,0,0\n\
cuda,hf_Reformer,4,fail_accuracy,,,,\n\
cuda,yolov3,8,pass,412,2,1,1\n";
    let x = run("accuracy.csv", accuracy);
    assert_eq!(adapter(&x), "pytorch-dynamo-benchmark-csv");
    assert!(is_dim(&x, "accuracy"));
    let yolo = x
        .records
        .iter()
        .find(|r| r.dimension("name") == Some(DimValue::Str("yolov3")))
        .expect("yolov3");
    assert_eq!(yolo.dimension("accuracy"), Some(DimValue::Str("pass")));
    assert_eq!(yolo.metric("calls_captured"), Some(412.0));
}

#[test]
fn torchbench_userbenchmark_json_is_one_record() {
    let text = r#"{"name": "torch-nightly", "environ": {"pytorch_git_version": "a1b2c3d", "pytorch_version": "2.5.0.dev20240801"}, "metrics": {"BERT_pytorch-eval_latency": 12.5, "BERT_pytorch-eval_cmem": 0.61, "resnet50-train_latency": 88.2}}"#;
    let x = run("metrics-20240801.json", text);
    assert_eq!(adapter(&x), "torchbench-userbenchmark");
    assert_eq!(x.records.len(), 1);
    let r = x.records.get(0).expect("record");
    assert_eq!(
        r.dimension("environ.pytorch_git_version"),
        Some(DimValue::Str("a1b2c3d"))
    );
    assert_eq!(r.metric("resnet50-train_latency"), Some(88.2));
}

/// This family's adapters.
const SERVING: &[&str] = &[
    "sglang-bench-serving",
    "vllm-bench-serve",
    "vllm-benchmark-throughput",
    "vllm-benchmark-latency",
    "serving-benchmark-console",
    "llama-bench-json",
    "llama-bench-csv",
    "llama-bench-markdown",
    "optimum-benchmark",
    "pytorch-dynamo-benchmark-csv",
    "torchbench-userbenchmark",
];

#[test]
fn every_adapter_is_registered() {
    for name in SERVING {
        assert!(wfm_extract::adapter_names().any(|a| a == *name), "{name}");
    }
}

#[test]
fn near_misses_are_left_to_the_generic_rules() {
    let cases = [
        // Mentions serving keys, but nested: not a bench serve summary.
        (
            "nested.json",
            r#"{"results": [{"scenario": "a", "metrics": {"mean_ttft_ms": 1.0, "backend": "x"}}]}"#,
        ),
        // A markdown table with a `t/s` column but no llama-bench header.
        ("speeds.md", "| model | t/s |\n|---|---|\n| a | 12.5 |\n"),
        // A CSV that starts with name but is no accuracy file.
        ("models.csv", "name,accuracy_top1,params\nresnet,76.1,25\n"),
        // A prose line naming the console title without a block.
        (
            "notes.txt",
            "We ran the Serving Benchmark Result parser.\nlatency: 12 ms\n",
        ),
        // A JSON with latency and unit but no stages.
        (
            "latency.json",
            r#"{"latency": {"unit": "ms", "p50": 1.0}, "model": "x"}"#,
        ),
    ];
    for (path, text) in cases {
        let x = run(path, text);
        let name = x.reading.name.as_deref().unwrap_or("generic");
        assert!(!SERVING.contains(&name), "{path} was taken by {name}");
    }
}
