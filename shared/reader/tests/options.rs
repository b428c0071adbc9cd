//! `reader_options` typed per reader: every reader's options parse, an
//! empty object gives the defaults, and a misspelt option, a wrong type or
//! a bad value is refused with its name.

use std::time::Duration;

use serde_json::{Value, json};
use wfm_reader::{
    GithubArtifactsOptions, MountedOptions, NodeExporterOptions, READER_KINDS, ReaderOptions,
    Repository, TempPodOptions, parse_reader_options,
};

fn parse_ok(kind: &str, options: Value) -> ReaderOptions {
    parse_reader_options(kind, &options).unwrap_or_else(|e| panic!("{kind} {options}: {e}"))
}

fn refused(kind: &str, options: Value) -> String {
    match parse_reader_options(kind, &options) {
        Ok(parsed) => panic!("{kind} {options} was accepted as {parsed:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn an_empty_object_gives_the_defaults() {
    assert_eq!(
        parse_ok("mounted", json!({})),
        ReaderOptions::Mounted(MountedOptions {
            path: None,
            mtime_window: false,
            mtime_margin_seconds: 300
        })
    );
    assert_eq!(
        parse_ok("github-artifacts", json!({})),
        ReaderOptions::GithubArtifacts(GithubArtifactsOptions { repository: None })
    );
    let pod = parse_ok("temp-pod", json!({}));
    assert_eq!(pod, ReaderOptions::TempPod(TempPodOptions::default()));
    let ReaderOptions::TempPod(options) = pod else {
        unreachable!()
    };
    assert_eq!(options.container, "runner");
    assert_eq!(
        parse_ok("node-exporter", json!({})),
        ReaderOptions::NodeExporter(NodeExporterOptions::default())
    );
    for kind in READER_KINDS {
        let parsed = parse_ok(kind, json!({}));
        assert_eq!(parsed.kind(), *kind);
        assert_eq!(parsed.mtime_window(), None, "{kind}");
    }
}

#[test]
fn every_readers_options_parse() {
    assert_eq!(
        parse_ok(
            "mounted",
            json!({"path": "team-a/bench", "mtime_window": true, "mtime_margin_seconds": 60})
        ),
        ReaderOptions::Mounted(MountedOptions {
            path: Some("team-a/bench".into()),
            mtime_window: true,
            mtime_margin_seconds: 60
        })
    );
    assert_eq!(
        parse_ok(
            "github-artifacts",
            json!({"repository": "octo-org/hello.world"})
        ),
        ReaderOptions::GithubArtifacts(GithubArtifactsOptions {
            repository: Some(Repository {
                owner: "octo-org".into(),
                name: "hello.world".into()
            })
        })
    );
    assert_eq!(
        parse_ok(
            "temp-pod",
            json!({"path": "/results/runs", "container": "main", "mtime_window": true, "mtime_margin_seconds": 0})
        ),
        ReaderOptions::TempPod(TempPodOptions {
            path: Some("/results/runs".into()),
            container: "main".into(),
            mtime_window: true,
            mtime_margin_seconds: 0
        })
    );
    let exporter = parse_ok(
        "node-exporter",
        json!({"path": "/results", "container": "runner", "mtime_window": true,
               "mtime_margin_seconds": 10, "url": "http://{host_ip}:9100"}),
    );
    assert_eq!(
        exporter,
        ReaderOptions::NodeExporter(NodeExporterOptions {
            path: Some("/results".into()),
            container: "runner".into(),
            mtime_window: true,
            mtime_margin_seconds: 10,
            url: Some("http://{host_ip}:9100".into())
        })
    );
    assert_eq!(exporter.mtime_window(), Some(Duration::from_secs(10)));
}

#[test]
fn empty_strings_and_nulls_are_unset() {
    assert_eq!(
        parse_ok("mounted", json!({"path": ""})),
        parse_ok("mounted", json!({}))
    );
    assert_eq!(
        parse_ok("github-artifacts", json!({"repository": null})),
        parse_ok("github-artifacts", json!({}))
    );
    assert_eq!(
        parse_ok("node-exporter", json!({"url": "", "path": null})),
        parse_ok("node-exporter", json!({}))
    );
}

#[test]
fn a_misspelt_option_is_refused_by_name() {
    assert_eq!(
        refused("mounted", json!({"pth": "team-a"})),
        "reader_options.pth: unknown option for the mounted reader; expected one of: path, mtime_window, mtime_margin_seconds"
    );
    assert_eq!(
        refused("github-artifacts", json!({"repo": "a/b"})),
        "reader_options.repo: unknown option for the github-artifacts reader; expected one of: repository"
    );
    assert_eq!(
        refused("temp-pod", json!({"path": "/r", "url": "http://x"})),
        "reader_options.url: unknown option for the temp-pod reader; expected one of: path, container, mtime_window, mtime_margin_seconds"
    );
    assert_eq!(
        refused("node-exporter", json!({"mtime_windw": true})),
        "reader_options.mtime_windw: unknown option for the node-exporter reader; expected one of: path, container, mtime_window, mtime_margin_seconds, url"
    );
    // the artifacts of one run are that run's: no time window
    assert!(
        refused("github-artifacts", json!({"mtime_window": true}))
            .starts_with("reader_options.mtime_window: unknown option")
    );
    let error = parse_reader_options("mounted", &json!({"pth": 1})).unwrap_err();
    assert_eq!(error.option(), Some("pth"));
}

#[test]
fn wrong_types_and_values_are_refused_by_name() {
    assert_eq!(
        refused("mounted", json!({"mtime_window": "yes"})),
        "reader_options.mtime_window: invalid type: string \"yes\", expected a boolean"
    );
    assert_eq!(
        refused("temp-pod", json!({"mtime_margin_seconds": "300"})),
        "reader_options.mtime_margin_seconds: invalid type: string \"300\", expected u32"
    );
    assert_eq!(
        refused("mounted", json!({"mtime_margin_seconds": -5})),
        "reader_options.mtime_margin_seconds: invalid value: integer `-5`, expected u32"
    );
    assert_eq!(
        refused("node-exporter", json!({"url": 8989})),
        "reader_options.url: invalid type: integer `8989`, expected a string"
    );
    assert!(
        refused("mounted", json!({"path": "../etc"}))
            .starts_with("reader_options.path: \"../etc\" must be a directory relative")
    );
    assert!(refused("mounted", json!({"path": "/etc"})).starts_with("reader_options.path:"));
    assert!(
        refused("temp-pod", json!({"path": "results"}))
            .starts_with("reader_options.path: \"results\" must be an absolute path")
    );
    assert!(
        refused("node-exporter", json!({"path": "/r/../etc"})).starts_with("reader_options.path:")
    );
    assert_eq!(
        refused("temp-pod", json!({"container": ""})),
        "reader_options.container: must be a container name, not empty"
    );
    for bad in ["octo-org", "a/b/c", "/b", "a/", "a b/c"] {
        assert_eq!(
            refused("github-artifacts", json!({"repository": bad})),
            format!("reader_options.repository: {bad:?} is not a repository; expected owner/name")
        );
    }
    let error = parse_reader_options("mounted", &json!({"mtime_window": 1})).unwrap_err();
    assert_eq!(error.option(), Some("mtime_window"));
}

#[test]
fn not_an_object_or_not_a_reader_is_refused() {
    assert_eq!(
        refused("mounted", json!(["path"])),
        "reader_options: must be a JSON object, not an array"
    );
    assert_eq!(
        refused("ftp", json!({})),
        "unknown reader \"ftp\"; expected one of: mounted, github-artifacts, temp-pod, node-exporter"
    );
}
