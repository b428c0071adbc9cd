//! A run's files: the reader its config names, built from the config's
//! typed `reader_options`, and the files that reader lists and reads.
//! Nothing here holds a database connection while files are listed or read.

use diesel_async::AsyncPgConnection;
use wfm_db::models::{Config, Run};
use wfm_reader::{
    FileReader, GithubArtifactsOptions, GithubArtifactsReader, ListError, ListRequest, Listing,
    MountedOptions, MountedReader, ReaderOptions, Repository,
};

use crate::pipeline::joined;
use crate::pods::{PodOptions, pod_reader};
use crate::{Collector, Outcome};

/// The files read for a run: `(path, bytes)`.
pub(crate) type Files = Vec<(String, Vec<u8>)>;

/// The reader for `run`, or the outcome that ends the run. Only the pod
/// readers use `conn` (the runner set's recorded template).
pub(crate) async fn open_reader(
    collector: &Collector,
    conn: &mut AsyncPgConnection,
    config: &Config,
    options: &ReaderOptions,
    run: &Run,
) -> anyhow::Result<Result<Box<dyn FileReader>, Outcome>> {
    Ok(match options {
        ReaderOptions::Mounted(options) => mounted(collector, options),
        ReaderOptions::GithubArtifacts(options) => github_artifacts(collector, config, options),
        ReaderOptions::TempPod(options) => {
            return pod_reader(collector, conn, config, PodOptions::temp_pod(options), run).await;
        }
        ReaderOptions::NodeExporter(options) => {
            let options = PodOptions::node_exporter(options);
            return pod_reader(collector, conn, config, options, run).await;
        }
    })
}

fn mounted(
    collector: &Collector,
    options: &MountedOptions,
) -> Result<Box<dyn FileReader>, Outcome> {
    let Some(base) = &collector.config.mounted_root else {
        return Err(Outcome::Skipped(
            "this collector has no mounted result root (WFM_MOUNTED_ROOT)".into(),
        ));
    };
    MountedReader::new(base, options.path.as_deref(), collector.config.read_timeout)
        .map(|r| Box::new(r) as Box<dyn FileReader>)
        .map_err(|e| Outcome::Failed(e.to_string()))
}

fn github_artifacts(
    collector: &Collector,
    config: &Config,
    options: &GithubArtifactsOptions,
) -> Result<Box<dyn FileReader>, Outcome> {
    let repository = options.repository.clone().or_else(|| {
        let (owner, name) = config
            .github_owner
            .clone()
            .zip(config.github_repo.clone())?;
        Some(Repository { owner, name })
    });
    let Some(repository) = repository else {
        return Err(Outcome::Failed(
            "the github-artifacts reader needs the config's github_owner and github_repo, \
             or reader_options.repository (owner/name)"
                .into(),
        ));
    };
    Ok(Box::new(GithubArtifactsReader::new(
        collector.github.clone(),
        &repository.owner,
        &repository.name,
        collector.config.github.limits,
    )))
}

/// Lists and reads the run's files: the listing, the files read, and the
/// problems worth noting; an `Outcome` when the run cannot go on.
pub(crate) async fn gather(
    collector: &Collector,
    reader: &dyn FileReader,
    request: &ListRequest,
) -> Result<(Listing, Files, Vec<String>), Outcome> {
    let listing = match reader.list(request).await {
        Ok(listing) => listing,
        Err(e @ (ListError::RootMissing(_) | ListError::Unavailable(_))) => {
            return Err(Outcome::Skipped(e.to_string()));
        }
        Err(e @ ListError::BadPattern { .. }) => return Err(Outcome::Failed(e.to_string())),
        Err(e @ ListError::Io(_)) => return Err(Outcome::Retry(e.to_string())),
        Err(e @ ListError::Refused(_)) => return Err(Outcome::Failed(e.to_string())),
        Err(ListError::RateLimited(wait)) => {
            return Err(Outcome::Deferred(
                format!("GitHub rate limit: trying again in {}s", wait.as_secs()),
                wait,
            ));
        }
    };
    let mut problems: Vec<String> = listing
        .refused
        .iter()
        .map(|(path, why)| format!("{path}: {why}"))
        .collect();
    if listing.over_cap > 0 {
        problems.push(format!(
            "{} more files matched beyond the cap of {}",
            listing.over_cap, collector.config.max_files
        ));
    }
    if listing.files.is_empty() {
        problems.insert(0, format!("no file matched {:?}", request.patterns));
        return Err(Outcome::Skipped(joined(&problems)));
    }
    let mut files = Vec::with_capacity(listing.files.len());
    for file in &listing.files {
        match reader.read(file, collector.config.max_file_bytes).await {
            Ok(bytes) => {
                collector.metrics.files_read.inc();
                collector.metrics.bytes_read.inc_by(bytes.len() as u64);
                files.push((file.path.clone(), bytes));
            }
            Err(e) if e.is_transient() => {
                return Err(Outcome::Retry(format!("{}: {e}", file.path)));
            }
            Err(e) => problems.push(format!("{}: {e}", file.path)),
        }
    }
    Ok((listing, files, problems))
}
