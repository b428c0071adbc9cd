//! The testing family's adapters.
