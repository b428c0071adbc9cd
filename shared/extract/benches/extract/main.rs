//! Throughput and peak memory of `wfm_extract::extract` on ~5 MB result
//! files shaped like real benchmark outputs: a CSV attention-kernel sweep,
//! a Google Benchmark JSON report, a Markdown report of many large GFM
//! tables under `## System: …` headings and a GEMM sweep's console log (an
//! aligned text table after log lines).
//!
//! `cargo bench -p wfm-extract --bench extract -- --warm-up-time 1 --measurement-time 5`
//!
//! Before criterion runs, each input is extracted once under a counting
//! global allocator and the peak of bytes allocated beyond what was live
//! before the call (the input itself excluded) is printed.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use criterion::{Criterion, Throughput};
use wfm_extract::{DEFAULT_MAX_BYTES, Options, extract};

/// Roughly how large each generated input is.
pub(crate) const TARGET_BYTES: usize = 5_000_000;

// ---------------------------------------------------------------------------
// Counting allocator
// ---------------------------------------------------------------------------

/// `System`, counting the bytes currently allocated and their peak.
#[derive(Debug)]
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// Allocations (and growing reallocations) made while counting.
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
/// Counting is switched off before criterion runs, so that the atomic
/// read-modify-writes on every allocation do not slow down what is timed.
static COUNTING: AtomicBool = AtomicBool::new(true);

fn grew(by: usize) {
    if !COUNTING.load(Ordering::Relaxed) {
        return;
    }
    ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    let now = CURRENT.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

fn shrank(by: usize) {
    if !COUNTING.load(Ordering::Relaxed) {
        return;
    }
    CURRENT.fetch_sub(by, Ordering::Relaxed);
}

#[expect(
    unsafe_code,
    reason = "a GlobalAlloc impl is unsafe by definition; it only forwards to System and counts"
)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds `alloc`'s contract.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds `alloc_zeroed`'s contract.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged; `ptr` came from this allocator, i.e. System.
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged; `ptr` came from this allocator, i.e. System.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

mod inputs;

use inputs::{Input, csv_input, json_input, markdown_input, text_input};

// ---------------------------------------------------------------------------
// Checks, peak memory, throughput
// ---------------------------------------------------------------------------

/// Extracts `input` once, checks it yielded one record per generated row and
/// prints the peak of bytes allocated during the call.
fn check_and_measure(input: &Input, options: &Options) {
    assert!(
        input.bytes.len() <= DEFAULT_MAX_BYTES,
        "{} input is {} bytes, over the default cap",
        input.name,
        input.bytes.len()
    );
    let before = CURRENT.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let allocations_before = ALLOCATIONS.load(Ordering::Relaxed);
    let extraction = extract(input.path, &input.bytes, options).expect("generated input extracts");
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(before);
    let retained = CURRENT.load(Ordering::Relaxed).saturating_sub(before);
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - allocations_before;
    let records = extraction.records.len();
    println!(
        "peak-memory {}: format {}, input {} bytes, peak extra {} bytes, peak/input {:.2}x, \
         retained {} bytes ({:.2}x), allocations {}, records {}, rows generated {}, fields {}, \
         warnings {:?}",
        input.name,
        extraction.format,
        input.bytes.len(),
        peak,
        peak as f64 / input.bytes.len() as f64,
        retained,
        retained as f64 / input.bytes.len() as f64,
        allocations,
        records,
        input.rows,
        extraction.schema.fields.len(),
        extraction.warnings,
    );
    assert!(
        records >= 10_000,
        "{}: only {records} records from {} bytes",
        input.name,
        input.bytes.len()
    );
    assert_eq!(
        records, input.rows,
        "{}: every generated row must become a record",
        input.name
    );
    assert!(
        !extraction.schema.metric_fields.is_empty(),
        "{}: no metric fields",
        input.name
    );
}

fn bench(c: &mut Criterion, inputs: &[Input], options: &Options) {
    let mut group = c.benchmark_group("extract");
    for input in inputs {
        group.throughput(Throughput::Bytes(input.bytes.len() as u64));
        group.bench_function(input.name, |b| {
            b.iter(|| {
                extract(
                    black_box(input.path),
                    black_box(&input.bytes),
                    black_box(options),
                )
                .expect("generated input extracts")
            });
        });
    }
    group.finish();
}

fn main() {
    let inputs = [csv_input(), json_input(), markdown_input(), text_input()];
    let options = Options::default();
    for input in &inputs {
        check_and_measure(input, &options);
    }
    COUNTING.store(false, Ordering::Relaxed);
    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    bench(&mut criterion, &inputs, &options);
    criterion.final_summary();
}
