//! The load family's adapters.
