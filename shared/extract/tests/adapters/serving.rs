//! LLM serving and inference benchmarks: vLLM, sglang, llama-bench,
//! optimum-benchmark, PyTorch dynamo / TorchBench.

use crate::common::Known;

#[test]
fn real_samples_match_their_ground_truth() {
    crate::check_family("serving", &Known::default());
}
