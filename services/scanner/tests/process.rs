//! wfm-scanner as a process: health, readiness, metrics, SIGTERM, bad configuration.

wfm_testing::service_process_tests!("wfm-scanner", env!("CARGO_BIN_EXE_wfm-scanner"));
