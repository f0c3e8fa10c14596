//! The integration-test binary: one module per behaviour.

#[path = "spec/bad_input.rs"]
mod bad_input;
