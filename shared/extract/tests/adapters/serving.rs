//! The serving family's adapters.
