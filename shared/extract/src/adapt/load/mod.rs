//! (family doc: the tools this family reads)

use super::Adapter;

pub(crate) const ADAPTERS: &[Adapter] = &[];
