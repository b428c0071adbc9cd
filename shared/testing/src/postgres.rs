//! The PostgreSQL server tests run against.
//!
//! `DATABASE_URL` when set. Otherwise a private server, started once per test
//! process from the system's server binaries (`WFM_PG_BINDIR`, `pg_config --bindir`,
//! or the newest `/usr/lib/postgresql/*/bin`):
//! - `initdb` runs once into a template under `$TMPDIR/wfm-test-pg-<uid>/<version>/`
//!   (guarded by a file lock), and each process starts from a copy of it, which
//!   takes a fraction of a second;
//! - the server listens on a free loopback port with durability off (tests need
//!   no crash safety);
//! - it gets SIGQUIT (immediate shutdown) when the test process ends, through the
//!   parent-death signal, and a later run removes the folders of dead processes.
//!
//! As root (CI containers), the server runs as the `postgres` user, as PostgreSQL
//! refuses to run as root.

use std::fs::{self, File};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The base URL of the test server (no schema chosen), starting it on first use.
///
/// Panics with a clear message when no server can be had: a test without a
/// database cannot say anything useful.
pub fn server_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| match std::env::var("DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => match start_private_server() {
            Ok(url) => url,
            Err(e) => panic!(
                "cannot start a private PostgreSQL for tests: {e}\n\
                 install the server (`apt-get install postgresql`, as scripts/test does) \
                 or set DATABASE_URL to a server you own"
            ),
        },
    })
}

fn start_private_server() -> Result<String, String> {
    let server = PrivatePostgres::on_a_free_port("shared")?;
    let url = server.url();
    // Never dropped: it lives until this process ends and is then stopped by
    // the parent-death signal (a later run removes its folder).
    std::mem::forget(server);
    Ok(url)
}

/// A PostgreSQL server of one test's own, which the test may stop and start
/// again on the same port and data: for what a database restart does to the
/// services. Stopped (immediately) and its data removed when dropped.
#[derive(Debug)]
pub struct PrivatePostgres {
    instance: Instance,
    port: u16,
    server: Option<std::process::Child>,
}

impl PrivatePostgres {
    /// Starts a new server from the template (see the module's notes).
    pub fn start() -> Self {
        Self::on_a_free_port("private")
            .unwrap_or_else(|e| panic!("cannot start a private PostgreSQL: {e}"))
    }

    /// A new data directory tagged `tag`, its server on a free port (three
    /// tries: another process may take the port first).
    fn on_a_free_port(tag: &str) -> Result<Self, String> {
        let instance = Instance::create(tag)?;
        let mut last = String::new();
        for _ in 0..3 {
            let port = crate::process::free_port();
            match start_server(&instance, port) {
                Ok(server) => {
                    return Ok(Self {
                        instance,
                        port,
                        server: Some(server),
                    });
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Its `postgres` database, as a `DATABASE_URL`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server the way `pg_ctl stop -m fast` does (SIGINT: clients
    /// disconnected, a checkpoint written); waits until it has exited.
    pub fn stop(&mut self) {
        if let Some(mut server) = self.server.take() {
            signal(&server, libc::SIGINT);
            let _ = server.wait();
        }
    }

    /// Starts the stopped server again, on the same port and data.
    pub fn start_again(&mut self) {
        assert!(self.server.is_none(), "the server is running");
        let server = start_server(&self.instance, self.port)
            .unwrap_or_else(|e| panic!("cannot start the private PostgreSQL again: {e}"));
        self.server = Some(server);
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        if let Some(mut server) = self.server.take() {
            signal(&server, libc::SIGQUIT);
            let _ = server.wait();
        }
        let _ = fs::remove_dir_all(&self.instance.data);
    }
}

fn signal(server: &std::process::Child, signal: i32) {
    if let Ok(pid) = i32::try_from(server.id()) {
        crate::process::send_signal(pid, signal);
    }
}

/// A server's data directory, copied from the template, and how to run it.
#[derive(Debug)]
struct Instance {
    bindir: PathBuf,
    data: PathBuf,
    owner: Owner,
}

impl Instance {
    /// A new data directory `run-<pid>-<tag>-<n>` from the template (made
    /// first when missing).
    fn create(tag: &str) -> Result<Self, String> {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let bindir = find_bindir()?;
        // Per user (a root run must not lock others out) and per server version
        // (a template from another major version would not start).
        let root = std::env::temp_dir()
            .join(format!("wfm-test-pg-{}", current_uid()))
            .join(server_version(&bindir)?);
        fs::create_dir_all(&root).map_err(|e| format!("create {}: {e}", root.display()))?;
        let owner = server_user()?;
        let lock = File::create(root.join(".lock")).map_err(|e| format!("lock file: {e}"))?;
        lock.lock()
            .map_err(|e| format!("lock {}: {e}", root.display()))?;
        remove_dead_instances(&root);
        let template = root.join("template");
        if !template.join("PG_VERSION").exists() {
            init_template(&bindir, &template, owner)?;
        }
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let data = root.join(format!("run-{}-{tag}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&data);
        run(Command::new("cp").arg("-a").arg(&template).arg(&data))?;
        chown_tree(&data, owner)?;
        Ok(Self {
            bindir,
            data,
            owner,
        })
        // the lock is released here
    }
}

/// uid/gid to run the server as: ourselves, or `postgres` when we are root.
type Owner = Option<(u32, u32)>;

fn server_user() -> Result<Owner, String> {
    if !is_root() {
        return Ok(None);
    }
    let passwd = fs::read_to_string("/etc/passwd").map_err(|e| format!("/etc/passwd: {e}"))?;
    passwd
        .lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            match fields.as_slice() {
                ["postgres", _, uid, gid, ..] => Some((uid.parse().ok()?, gid.parse().ok()?)),
                _ => None,
            }
        })
        .map(Some)
        .ok_or_else(|| "running as root and there is no `postgres` user to run the server".into())
}

fn is_root() -> bool {
    current_uid() == 0
}

#[expect(unsafe_code, reason = "geteuid has no safe wrapper in std")]
fn current_uid() -> u32 {
    // SAFETY: geteuid cannot fail and touches no memory.
    unsafe { libc::geteuid() }
}

/// `15.20` from `postgres (PostgreSQL) 15.20 (Debian …)`.
fn server_version(bindir: &Path) -> Result<String, String> {
    let out = Command::new(bindir.join("postgres"))
        .arg("--version")
        .output()
        .map_err(|e| format!("postgres --version: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .nth(2)
        .filter(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
        .map(str::to_owned)
        .ok_or_else(|| format!("cannot read the server version from {text:?}"))
}

fn chown_tree(path: &Path, owner: Owner) -> Result<(), String> {
    match owner {
        None => Ok(()),
        Some((uid, gid)) => run(Command::new("chown")
            .arg("-R")
            .arg(format!("{uid}:{gid}"))
            .arg(path)),
    }
}

fn as_owner(cmd: &mut Command, owner: Owner) -> &mut Command {
    if let Some((uid, gid)) = owner {
        cmd.uid(uid).gid(gid);
    }
    cmd
}

fn init_template(bindir: &Path, template: &Path, owner: Owner) -> Result<(), String> {
    let staging = template.with_extension("staging");
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir_all(&staging).map_err(|e| format!("create {}: {e}", staging.display()))?;
    chown_tree(&staging, owner)?;
    run(as_owner(
        Command::new(bindir.join("initdb"))
            .arg("-D")
            .arg(&staging)
            .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"])
            .args(["--locale", "C"]),
        owner,
    ))?;
    fs::rename(&staging, template).map_err(|e| format!("rename template: {e}"))
}

/// Starts the instance's server on `port` and waits until it answers.
fn start_server(instance: &Instance, port: u16) -> Result<std::process::Child, String> {
    let Instance {
        bindir,
        data,
        owner,
    } = instance;
    // appended: a restarted server's log keeps what came before the restart
    let log = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(data.join("server.log"))
        .map_err(|e| format!("server log: {e}"))?;
    let mut cmd = Command::new(bindir.join("postgres"));
    cmd.arg("-D")
        .arg(data)
        .args(["-p", &port.to_string(), "-k"])
        .arg(data)
        .args(["-c", "listen_addresses=127.0.0.1"])
        .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
        .args(["-c", "full_page_writes=off", "-c", "max_connections=300"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log);
    as_owner(&mut cmd, *owner);
    die_with_parent(&mut cmd);
    let mut child = spawn_from_lasting_thread(cmd)?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let log = fs::read_to_string(data.join("server.log")).unwrap_or_default();
            return Err(format!("postgres exited ({status}) on port {port}:\n{log}"));
        }
        // Ask our own socket: another server on the port must not look like ours.
        let ready = Command::new(bindir.join("pg_isready"))
            .arg("-q")
            .arg("-h")
            .arg(data)
            .args(["-p", &port.to_string()])
            .status()
            .is_ok_and(|s| s.success());
        if ready {
            return Ok(child);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err(format!("postgres on port {port} not ready within 30 s"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Spawns `cmd` from a thread that lives as long as the test process: the
/// parent-death signal fires when the *thread* that spawned a server ends,
/// and a test's runtime threads may end before the process does.
fn spawn_from_lasting_thread(cmd: Command) -> Result<std::process::Child, String> {
    type Request = (
        Command,
        std::sync::mpsc::Sender<std::io::Result<std::process::Child>>,
    );
    static SPAWNER: OnceLock<std::sync::Mutex<std::sync::mpsc::Sender<Request>>> = OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<Request>();
        std::thread::Builder::new()
            .name("wfm-test-postgres".into())
            .spawn(move || {
                for (mut cmd, reply) in rx {
                    let _ = reply.send(cmd.spawn());
                }
                // every sender is static: never reached while the process runs
                loop {
                    std::thread::park();
                }
            })
            .expect("spawning the server thread");
        std::sync::Mutex::new(tx)
    });
    let (reply, answer) = std::sync::mpsc::channel();
    spawner
        .lock()
        .map_err(|_| "the server thread's lock is poisoned".to_owned())?
        .send((cmd, reply))
        .map_err(|_| "the server thread is gone".to_owned())?;
    answer
        .recv()
        .map_err(|_| "the server thread ended without an answer".to_owned())?
        .map_err(|e| format!("start postgres: {e}"))
}

#[expect(
    unsafe_code,
    reason = "prctl(PR_SET_PDEATHSIG) must run in the forked child"
)]
fn die_with_parent(cmd: &mut Command) {
    // SAFETY: the closure runs between fork and exec and only calls the
    // async-signal-safe prctl; it runs after the uid change, which would
    // otherwise clear the setting.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGQUIT) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Removes `run-<pid>` folders whose process is gone.
fn remove_dead_instances(root: &Path) {
    let Ok(entries) = fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        // run-<pid>-<tag>-<n>
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("run-"))
            .and_then(|n| n.split('-').next())
        else {
            continue;
        };
        if !Path::new("/proc").join(pid).exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

fn find_bindir() -> Result<PathBuf, String> {
    if let Ok(dir) = std::env::var("WFM_PG_BINDIR") {
        return Ok(PathBuf::from(dir));
    }
    let has_server = |dir: &Path| dir.join("initdb").exists() && dir.join("postgres").exists();
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if has_server(&dir) {
            return Ok(dir);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            Some((version, e.path().join("bin")))
        })
        .filter(|(_, dir)| has_server(dir))
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, dir)| dir)
        .ok_or_else(|| "no PostgreSQL server binaries (initdb, postgres) found".into())
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .output()
        .map_err(|e| format!("{:?}: {e}", cmd.get_program()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{:?} failed ({}): {}",
            cmd.get_program(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}
