//! Service binaries run as real processes, as they run in production.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A free TCP port on the loopback interface (free when asked; bind promptly).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("binding an ephemeral port")
}

/// GETs `url`; returns the status code and body, or `None` when nothing answers.
pub async fn http_get(url: &str) -> Option<(u16, String)> {
    let response = reqwest::Client::new()
        .get(url)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .ok()?;
    let status = response.status().as_u16();
    Some((status, response.text().await.unwrap_or_default()))
}

/// A running binary with its stdout and stderr collected; killed on drop.
#[derive(Debug)]
pub struct ServiceProcess {
    name: String,
    child: Child,
    output: Arc<Mutex<String>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl ServiceProcess {
    /// Starts `bin` with exactly `envs` (plus `PATH`): nothing leaks in from the
    /// test's own environment.
    pub fn spawn(bin: &str, args: &[&str], envs: &[(&str, &str)]) -> Self {
        let mut cmd = Command::new(bin);
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(envs.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("starting {bin}: {e}"));
        let output = Arc::new(Mutex::new(String::new()));
        let mut readers = Vec::new();
        if let Some(out) = child.stdout.take() {
            readers.push(collect(out, output.clone()));
        }
        if let Some(err) = child.stderr.take() {
            readers.push(collect(err, output.clone()));
        }
        Self {
            name: bin.rsplit('/').next().unwrap_or(bin).to_owned(),
            child,
            output,
            readers,
        }
    }

    /// Runs `bin` to completion (at most `timeout`); returns its exit code and output.
    pub fn run_to_end(
        bin: &str,
        args: &[&str],
        envs: &[(&str, &str)],
        timeout: Duration,
    ) -> (Option<i32>, String) {
        let mut process = Self::spawn(bin, args, envs);
        let status = process
            .wait_exit(timeout)
            .unwrap_or_else(|| panic!("{bin} {args:?} still running after {timeout:?}"));
        (status.code(), process.output())
    }

    /// Everything the process printed so far.
    pub fn output(&self) -> String {
        self.output.lock().map(|o| o.clone()).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (e.g. `libc::SIGTERM`).
    pub fn signal(&self, signal: i32) {
        let pid = i32::try_from(self.child.id()).expect("pid fits in i32");
        send_signal(pid, signal);
    }

    /// Waits up to `timeout` for the process to exit; once it has, [`Self::output`]
    /// holds everything it printed.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                for reader in self.readers.drain(..) {
                    let _ = reader.join();
                }
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Polls `url` until it answers `status`, or panics after `timeout` with the output so far.
    pub async fn wait_for_status(&mut self, url: &str, status: u16, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some((got, body)) = http_get(url).await
                && got == status
            {
                return body;
            }
            if let Ok(Some(exit)) = self.child.try_wait() {
                panic!(
                    "{} exited ({exit}) before {url} answered {status}:\n{}",
                    self.name,
                    self.output()
                );
            }
            assert!(
                Instant::now() < deadline,
                "{url} did not answer {status} within {timeout:?}; {} printed:\n{}",
                self.name,
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn collect(
    stream: impl Read + Send + 'static,
    into: Arc<Mutex<String>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if let Ok(mut out) = into.lock() {
                out.push_str(&line);
                out.push('\n');
            }
        }
    })
}

#[expect(unsafe_code, reason = "kill(2) has no safe wrapper in std")]
pub(crate) fn send_signal(pid: i32, signal: i32) {
    // SAFETY: kill only sends a signal to the given pid; no memory is involved.
    let rc = unsafe { libc::kill(pid, signal) };
    assert_eq!(rc, 0, "kill({pid}, {signal}) failed");
}
