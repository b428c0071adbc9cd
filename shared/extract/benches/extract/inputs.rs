//! Deterministic ~5 MB inputs shaped like real benchmark outputs.

use std::fmt::Write as _;

use crate::TARGET_BYTES;

/// A 64-bit LCG (Knuth's MMIX constants); the high bits are the output.
#[derive(Debug)]
pub(crate) struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Uniform in `[lo, hi)`.
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        let unit = (self.next() & ((1 << 31) - 1)) as f64 / (1u64 << 31) as f64;
        lo + (hi - lo) * unit
    }
}

/// One generated file.
#[derive(Debug)]
pub(crate) struct Input {
    pub(crate) name: &'static str,
    pub(crate) path: &'static str,
    pub(crate) bytes: Vec<u8>,
    /// Data rows written: each must become one record.
    pub(crate) rows: usize,
}

/// An attention-kernel sweep as Primus-Turbo writes it.
pub(crate) fn csv_input() -> Input {
    let mut rng = Lcg(0x00c0_ffee);
    let mut out = String::with_capacity(TARGET_BYTES + 256);
    out.push_str(
        "TestID,Platform,GPU,Batch,SeqLen,num_head_q,num_head_kv,head_dim_qk,head_dim_v,\
         Causal,Deterministic,Check,Forward Time (ms),Forward TFLOPS,Backward Time (ms),\
         Backward TFLOPS\n",
    );
    let mut rows = 0;
    while out.len() < TARGET_BYTES {
        rows += 1;
        let (platform, gpu) = if rng.below(3) == 0 {
            ("CUDA", *rng.pick(&["H100", "H200", "B200"]))
        } else {
            ("ROCm", *rng.pick(&["MI300X", "MI325X", "MI355X"]))
        };
        let batch = *rng.pick(&[1, 2, 4, 8, 16]);
        let seq = *rng.pick(&[1024, 2048, 4096, 8192, 16384]);
        let heads_q = *rng.pick(&[32, 64, 128]);
        let heads_kv = *rng.pick(&[8, 16, 32]);
        let dim_qk = *rng.pick(&[64, 128, 192]);
        let dim_v = *rng.pick(&[64, 128]);
        let causal = *rng.pick(&["True", "False"]);
        let deterministic = *rng.pick(&["True", "False"]);
        let check = if rng.below(50) == 0 { "FAIL" } else { "PASS" };
        let fwd_ms = rng.range(0.5, 120.0);
        let fwd_tflops = rng.range(250.0, 650.0);
        let bwd_ms = fwd_ms * rng.range(2.5, 3.5);
        let bwd_tflops = rng.range(200.0, 550.0);
        writeln!(
            out,
            "{rows},{platform},{gpu},{batch},{seq},{heads_q},{heads_kv},{dim_qk},{dim_v},\
             {causal},{deterministic},{check},{fwd_ms:.2},{fwd_tflops:.2},{bwd_ms:.2},\
             {bwd_tflops:.2}"
        )
        .expect("writing to a String cannot fail");
    }
    Input {
        name: "csv",
        path: "results/primus-turbo-attention-bf16.csv",
        bytes: out.into_bytes(),
        rows,
    }
}

/// `x` as Google Benchmark prints doubles: `2.1498980114547953e+02`.
fn sci(x: f64) -> String {
    let s = format!("{x:.16e}");
    let (mantissa, exponent) = s.split_once('e').expect("{:e} always has an exponent");
    let exponent: i32 = exponent.parse().expect("{:e} prints an integer exponent");
    format!("{mantissa}e{exponent:+03}")
}

/// A Google Benchmark `--benchmark_format=json` report (2-space indent),
/// with repetitions and their mean/median/stddev aggregates.
pub(crate) fn json_input() -> Input {
    let mut rng = Lcg(0x0005_eed5);
    let mut out = String::with_capacity(TARGET_BYTES + 4096);
    out.push_str(
        r#"{
  "context": {
    "date": "2019-11-29 21:26:59",
    "host_name": "bench-node-07.example.internal",
    "executable": "./build/bench/algorithms_bench",
    "num_cpus": 4,
    "mhz_per_cpu": 2700,
    "cpu_scaling_enabled": false,
    "caches": [
      {
        "type": "Data",
        "level": 1,
        "size": 32768,
        "num_sharing": 2
      },
      {
        "type": "Unified",
        "level": 2,
        "size": 262144,
        "num_sharing": 2
      }
    ],
    "load_avg": [2.35352,2.11426,1.98926],
    "library_build_type": "release"
  },
  "benchmarks": [
"#,
    );
    let families = [
        "fib",
        "BM_Sort",
        "BM_StringCopy",
        "BM_MapInsert",
        "BM_memcpy",
        "BM_VectorPushBack",
        "BM_SpinLock",
        "BM_Hash",
    ];
    let mut rows = 0;
    let mut family_index = 0;
    let mut first = true;
    while out.len() < TARGET_BYTES {
        let family = families[family_index % families.len()];
        let arg = 1usize << rng.below(20);
        let name = if family == "fib" {
            format!("fib_{}", 1 + rng.below(40))
        } else {
            format!("{family}/{arg}")
        };
        let threads = *rng.pick(&[1, 2, 4]);
        let base_ns = rng.range(2.0, 2.0e6);
        let unit = if base_ns > 1.0e5 { "us" } else { "ns" };
        let scale = if unit == "us" { 1.0e-3 } else { 1.0 };
        let repetitions = 3;
        let mut reals = Vec::with_capacity(repetitions);
        for repetition in 0..repetitions {
            let real = base_ns * rng.range(0.97, 1.03) * scale;
            let cpu = real * rng.range(0.95, 1.0);
            let iterations = (1.0e9 / base_ns).max(1.0) as u64 + rng.below(1000) as u64;
            reals.push(real);
            if !first {
                out.push_str(",\n");
            }
            first = false;
            write!(
                out,
                r#"    {{
      "name": "{name}",
      "family_index": {family_index},
      "per_family_instance_index": 0,
      "run_name": "{name}",
      "run_type": "iteration",
      "repetitions": {repetitions},
      "repetition_index": {repetition},
      "threads": {threads},
      "iterations": {iterations},
      "real_time": {real},
      "cpu_time": {cpu},
      "time_unit": "{unit}"
    }}"#,
                real = sci(real),
                cpu = sci(cpu),
            )
            .expect("writing to a String cannot fail");
            rows += 1;
        }
        let mean = reals.iter().sum::<f64>() / reals.len() as f64;
        let mut sorted = reals.clone();
        sorted.sort_by(f64::total_cmp);
        let median = sorted[sorted.len() / 2];
        let stddev = (reals.iter().map(|r| (r - mean).powi(2)).sum::<f64>()
            / (reals.len() - 1) as f64)
            .sqrt();
        for (aggregate, value) in [("mean", mean), ("median", median), ("stddev", stddev)] {
            write!(
                out,
                r#",
    {{
      "name": "{name}_{aggregate}",
      "family_index": {family_index},
      "per_family_instance_index": 0,
      "run_name": "{name}",
      "run_type": "aggregate",
      "repetitions": {repetitions},
      "threads": {threads},
      "aggregate_name": "{aggregate}",
      "aggregate_unit": "time",
      "iterations": {repetitions},
      "real_time": {real},
      "cpu_time": {cpu},
      "time_unit": "{unit}"
    }}"#,
                real = sci(value),
                cpu = sci(value * 0.98),
            )
            .expect("writing to a String cannot fail");
            rows += 1;
        }
        family_index += 1;
    }
    out.push_str("\n  ]\n}\n");
    Input {
        name: "json",
        path: "results/google-benchmark-algorithms.json",
        bytes: out.into_bytes(),
        rows,
    }
}

/// A Markdown report: an environment block, then per system a heading, a
/// sentence and a large table, alternating BenchmarkDotNet tables
/// (`186.4 us`, `111.89 KB`, `-`) and hyperfine tables (`150.1 ± 34.7`).
pub(crate) fn markdown_input() -> Input {
    const SYSTEMS: &[&str] = &[
        "DGX-H100", "DGX-A100", "MI300X-8", "GH200", "DGX-B200", "MI325X-8", "L40S-4", "TPU-v5e",
    ];
    let mut rng = Lcg(0x00d0_c5ed);
    let mut out = String::with_capacity(TARGET_BYTES + 4096);
    out.push_str(
        "# Nightly benchmark report\n\n\
         Results of the nightly run, one section per system. Times are means over\n\
         the measured iterations; see the *Error* and *StdDev* columns for spread.\n\n\
         ``` ini\n\n\
         BenchmarkDotNet=v0.13.12, OS=ubuntu 22.04\n\
         Intel Xeon Platinum 8480C, 2 CPU, 224 logical and 112 physical cores\n\
         .NET SDK=8.0.101\n  [Host]     : .NET 8.0.1, X64 RyuJIT AVX2\n\n\
         ```\n\n",
    );
    let per_section = (TARGET_BYTES - out.len()) / SYSTEMS.len();
    let mut rows = 0;
    for (section, system) in SYSTEMS.iter().enumerate() {
        let start = out.len();
        writeln!(out, "## System: {system}\n").expect("writing to a String cannot fail");
        let hyperfine = section % 2 == 1;
        if hyperfine {
            out.push_str(
                "Command-line tools, measured with `hyperfine --warmup 3`.\n\n\
                 | Command | Mean [ms] | Min [ms] | Max [ms] | Relative |\n\
                 |:---|---:|---:|---:|---:|\n",
            );
        } else {
            out.push_str(
                "Library benchmarks, measured with BenchmarkDotNet.\n\n\
                 | Method |     Mean |   Error |  StdDev |   Gen 0 |  Gen 1 | Gen 2 | Allocated |\n\
                 |------- |---------:|--------:|--------:|--------:|-------:|------:|----------:|\n",
            );
        }
        let unit = *rng.pick(&["ns", "us", "ms"]);
        let mut first_row = true;
        let mut i = 0;
        while out.len() - start < per_section {
            i += 1;
            rows += 1;
            if hyperfine {
                let tool = *rng.pick(&["pdu", "dust", "dutree", "dua", "ncdu", "gdu", "du"]);
                let mean = rng.range(100.0, 4000.0);
                let sd = mean * rng.range(0.01, 0.2);
                let min = mean - sd * rng.range(0.5, 2.0);
                let max = mean + sd * rng.range(0.5, 3.0);
                let relative = if first_row {
                    "1.00".to_owned()
                } else {
                    format!("{:.2} ± {:.2}", rng.range(1.0, 30.0), rng.range(0.05, 6.0))
                };
                writeln!(
                    out,
                    "| `{tool} --apparent-size --depth={i} tmp.sample` | {mean:.1} ± {sd:.1} \
                     | {min:.1} | {max:.1} | {relative} |"
                )
                .expect("writing to a String cannot fail");
            } else {
                let mean = rng.range(10.0, 999.0);
                let error = mean * rng.range(0.001, 0.02);
                let stddev = error * rng.range(0.7, 1.0);
                let gen0 = rng.range(0.0, 40.0);
                let gen1 = rng.range(0.0, 5.0);
                let gen2 = if rng.below(8) == 0 {
                    format!("{:.4}", rng.range(0.0, 1.0))
                } else {
                    "-".to_owned()
                };
                let allocated = if rng.below(10) == 0 {
                    format!("{:.2} MB", rng.range(1.0, 20.0))
                } else {
                    format!("{:.2} KB", rng.range(1.0, 999.0))
                };
                writeln!(
                    out,
                    "| Bench{i} | {mean:.1} {unit} | {error:.2} {unit} | {stddev:.2} {unit} \
                     | {gen0:.4} | {gen1:.4} | {gen2:>5} | {allocated:>9} |"
                )
                .expect("writing to a String cannot fail");
            }
            first_row = false;
        }
        out.push('\n');
    }
    Input {
        name: "markdown",
        path: "results/nightly-report.md",
        bytes: out.into_bytes(),
        rows,
    }
}

/// A GEMM sweep's console log, as an ad-hoc benchmark script prints it: a
/// few log lines, then an aligned table under a `#` header, one row per
/// shape (the generic text rules read it; no adapter knows it).
pub(crate) fn text_input() -> Input {
    let mut rng = Lcg(0x0001_0a6e);
    let mut out = String::with_capacity(TARGET_BYTES + 256);
    out.push_str(
        "[2025-03-04 01:41:41] INFO starting GEMM sweep on 8x MI300X\n\
         [2025-03-04 01:41:42] INFO warmup 10 iterations, measure 100\n\n\
         #  op       dtype   layout        M       N       K    time_us      TFLOPS       GB/s\n",
    );
    let mut rows = 0;
    while out.len() < TARGET_BYTES {
        rows += 1;
        let op = *rng.pick(&["gemm", "gemm_bias", "gemm_gelu", "batched"]);
        let dtype = *rng.pick(&["bf16", "fp16", "fp8", "fp32"]);
        let layout = *rng.pick(&["NN", "NT", "TN", "TT"]);
        let m = *rng.pick(&[512, 1024, 2048, 4096, 8192, 16384]);
        let n = *rng.pick(&[512, 1024, 2048, 4096, 8192]);
        let k = *rng.pick(&[256, 1024, 4096, 8192]);
        let time = rng.range(5.0, 9000.0);
        let tflops = rng.range(20.0, 1300.0);
        let gbs = rng.range(100.0, 5200.0);
        writeln!(
            out,
            "   {op:<10}{dtype:<8}{layout:<8}{m:>8}{n:>8}{k:>8}{time:>11.3}{tflops:>12.3}{gbs:>11.2}"
        )
        .expect("writing to a String cannot fail");
    }
    out.push_str("[2025-03-04 01:52:13] INFO sweep done\n");
    Input {
        name: "text",
        path: "results/gemm_sweep.log",
        bytes: out.into_bytes(),
        rows,
    }
}
