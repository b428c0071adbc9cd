//! The ml family's adapters.
