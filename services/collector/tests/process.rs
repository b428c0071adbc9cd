//! wfm-collector as a process: health, readiness, metrics, SIGTERM, bad configuration.

wfm_testing::service_process_tests!("wfm-collector", env!("CARGO_BIN_EXE_wfm-collector"));
