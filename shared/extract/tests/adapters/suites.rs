//! The suites family's adapters.
