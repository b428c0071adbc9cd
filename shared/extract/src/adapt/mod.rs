//! Adapters: readers for the output of known tools (Google Benchmark, Go's
//! `testing`, nccl-tests, vLLM…), chosen by the content's signature (keys,
//! header rows, line grammar), never by the file's name. An adapter knows
//! which fields are dimensions and which are metrics, their units and which
//! way each improves, so nothing is left to inference.
//!
//! Each family of tools is a module with a `pub(crate) const ADAPTERS`
//! slice; [`FAMILIES`] lists them in the order they are tried. Detection
//! must be cheap (it runs on every file): look at [`Input::head`] first and
//! parse the whole file only in `read`.

mod bencher;
mod load;
mod micro;
mod ml;
mod serving;
mod suites;
mod testing;
// Parts of the toolkit only some families use.
#[allow(dead_code)]
mod emit;
#[allow(dead_code)]
mod input;

use crate::error::ExtractError;
use crate::format::Format;

pub(crate) use emit::Emit;
pub(crate) use input::Input;

/// One tool's output format.
pub(crate) struct Adapter {
    /// Stable, kebab-case: `google-benchmark-json`. Shown as the method of
    /// every extraction it makes.
    pub name: &'static str,
    /// The formats (as detected from content) it reads.
    pub formats: &'static [Format],
    /// The signature it found, in words (`--explain` prints it), or `None`.
    pub detect: fn(&Input<'_>) -> Option<&'static str>,
    /// Writes the records. Zero records hands the file to the next adapter.
    pub read: fn(&Input<'_>, &mut Emit<'_>) -> Result<(), ExtractError>,
}

/// Every family, in the order tried: specific signatures before general
/// ones.
pub(crate) const FAMILIES: &[&[Adapter]] = &[
    micro::ADAPTERS,
    suites::ADAPTERS,
    bencher::ADAPTERS,
    testing::ADAPTERS,
    serving::ADAPTERS,
    ml::ADAPTERS,
    load::ADAPTERS,
];

/// The adapters that may read a file of `format`.
pub(crate) fn candidates(format: Format) -> impl Iterator<Item = &'static Adapter> {
    FAMILIES
        .iter()
        .flat_map(|family| family.iter())
        .filter(move |a| a.formats.contains(&format))
}

/// Every adapter's name, for documentation and tests.
pub fn names() -> impl Iterator<Item = &'static str> {
    FAMILIES
        .iter()
        .flat_map(|family| family.iter())
        .map(|a| a.name)
}
