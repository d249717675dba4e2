//! A private Postgres cluster under the data directory, started from the
//! machine's Postgres binaries when no DATABASE_URL is configured.
//! `initdb` and `postgres` refuse to run as root, so as root the cluster runs
//! as the `postgres` system user. A process that finds the cluster already
//! running (a CLI command beside `serve`) uses it and leaves it running: only
//! the process that started it stops it.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Why the embedded cluster could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error("no Postgres binaries found (install Debian's postgresql package)")]
    NoBinaries,
    #[error("{0} failed: {1}")]
    Command(String, String),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

/// A running private cluster; stopped on drop if this process started it.
pub struct EmbeddedPostgres {
    bin: PathBuf,
    pgdata: PathBuf,
    /// Whether this process started the cluster (and so stops it).
    started: bool,
    /// Connection URL for the `postgres` database.
    pub url: String,
}

fn bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    dirs.sort();
    dirs.pop().map(|(_, b)| b)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Runs a Postgres tool, as the postgres user when we are root.
fn run(bin: &Path, tool: &str, args: &[&str]) -> Result<String, EmbeddedError> {
    let exe = bin.join(tool);
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(&exe);
        c
    } else {
        Command::new(&exe)
    };
    let out = cmd.args(args).current_dir("/").output()?;
    if !out.status.success() {
        return Err(EmbeddedError::Command(
            tool.to_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn free_port() -> Result<u16, EmbeddedError> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl EmbeddedPostgres {
    /// Initialises the cluster on first use, then starts it (or finds it running).
    pub fn start(data_dir: &Path) -> Result<Self, EmbeddedError> {
        let bin = bin_dir().ok_or(EmbeddedError::NoBinaries)?;
        std::fs::create_dir_all(data_dir)?;
        let data_dir = data_dir.canonicalize()?;
        let pgdata = data_dir.join("postgres");
        let root = is_root();
        if !pgdata.join("PG_VERSION").exists() {
            std::fs::create_dir_all(&pgdata)?;
            if root {
                chown_postgres(&pgdata)?;
            }
            run(
                &bin,
                "initdb",
                &[
                    "-D",
                    path(&pgdata),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C",
                ],
            )?;
        }
        let pgdata_s = path(&pgdata).to_owned();
        let (port, started) = match running_port(&pgdata) {
            Some(port) if run(&bin, "pg_ctl", &["-D", &pgdata_s, "status"]).is_ok() => {
                (port, false)
            }
            _ => {
                let port = free_port()?;
                let options = format!(
                    "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={pgdata_s} -c max_connections=200"
                );
                let log = format!("{pgdata_s}/server.log");
                run(
                    &bin,
                    "pg_ctl",
                    &[
                        "-D", &pgdata_s, "-o", &options, "-l", &log, "-w", "-t", "60", "start",
                    ],
                )?;
                (port, true)
            }
        };
        Ok(Self {
            bin,
            pgdata,
            started,
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        })
    }

    /// Stops the cluster (fast shutdown).
    pub fn stop(&self) {
        let _ = run(
            &self.bin,
            "pg_ctl",
            &["-D", path(&self.pgdata), "-m", "fast", "-w", "stop"],
        );
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        // A cluster found running belongs to the process that started it
        // (a `serve` beside this CLI command): stopping it would stop that one.
        if self.started {
            self.stop();
        }
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

/// The port in `postmaster.pid` (its fourth line), if the cluster seems up.
fn running_port(pgdata: &Path) -> Option<u16> {
    let pid = std::fs::read_to_string(pgdata.join("postmaster.pid")).ok()?;
    pid.lines().nth(3)?.trim().parse().ok()
}

fn chown_postgres(dir: &Path) -> Result<(), EmbeddedError> {
    let out = Command::new("chown")
        .args(["-R", "postgres:postgres"])
        .arg(dir)
        .output()?;
    if !out.status.success() {
        return Err(EmbeddedError::Command(
            "chown".into(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ));
    }
    Ok(())
}
