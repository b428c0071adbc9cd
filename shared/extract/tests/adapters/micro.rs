//! The micro family's adapters.
