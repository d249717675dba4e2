//! The Postgres tools the runbooks use, run on a test's own clusters (the
//! machine's Debian binaries, as the embedded cluster finds them): base
//! backups, a crash, and the settings of a synchronous standby.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::{Connection, PgConnection};

/// A tool from the newest Postgres on the machine; as the `postgres` user
/// when the tests run as root (the server refuses root's files).
pub(super) fn tool(name: &str) -> Command {
    let mut found: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("Postgres binaries (Debian's postgresql)")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let exe = e.path().join("bin").join(name);
            exe.exists().then_some((version, exe))
        })
        .collect();
    found.sort();
    let (_, exe) = found
        .pop()
        .expect("Postgres binaries (Debian's postgresql)");
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(exe);
        c
    } else {
        Command::new(exe)
    }
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// Runs `cmd`; panics with its stderr when it fails.
fn run(mut cmd: Command) {
    let out = cmd.stderr(Stdio::piped()).output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The port of a `postgres://…@host:port/db` URL.
pub(super) fn port(url: &str) -> u16 {
    let authority = url.rsplit('@').next().unwrap();
    let host_port = authority.split('/').next().unwrap();
    host_port.rsplit(':').next().unwrap().parse().unwrap()
}

/// `pg_basebackup` of the cluster at `url` (WAL streamed) into the data
/// directory of an embedded cluster at `root` (`root/postgres`); with
/// `standby`, the copy follows its source as a streaming standby.
pub(super) fn base_backup(url: &str, root: &Path, standby: bool) {
    std::fs::create_dir_all(root).unwrap();
    if is_root() {
        let mut chown = Command::new("chown");
        chown.args(["-R", "postgres:postgres"]).arg(root);
        run(chown);
    }
    let port = port(url).to_string();
    let mut cmd = tool("pg_basebackup");
    cmd.args(["-h", "127.0.0.1", "-p", &port, "-U", "postgres"])
        .args(["-X", "stream", "-c", "fast", "-D"])
        .arg(root.join("postgres"));
    if standby {
        // standby.signal and primary_conninfo, as the runbook's replica.
        cmd.arg("-R");
    }
    run(cmd);
}

/// Kills the cluster at `root` as a crash would: no checkpoint, every
/// connection cut.
pub(super) fn crash(root: &Path) {
    let mut cmd = tool("pg_ctl");
    cmd.args(["-m", "immediate", "-w", "stop", "-D"])
        .arg(root.join("postgres"));
    run(cmd);
}

/// Makes every commit on `primary` wait until a standby has flushed it, and
/// waits until the standby streams synchronously.
pub(super) async fn replicate_synchronously(primary: &str) {
    let mut conn = PgConnection::connect(primary).await.unwrap();
    sqlx::query("ALTER SYSTEM SET synchronous_standby_names = '*'")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("SELECT pg_reload_conf()")
        .execute(&mut conn)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let sync: Option<String> = sqlx::query_scalar(
            "SELECT sync_state FROM pg_stat_replication WHERE sync_state = 'sync'",
        )
        .fetch_optional(&mut conn)
        .await
        .unwrap();
        if sync.is_some() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the standby never became synchronous"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Promotes the standby at `url` to primary; waits until it takes writes.
pub(super) async fn promote(url: &str) {
    let mut conn = PgConnection::connect(url).await.unwrap();
    let promoted: bool = sqlx::query_scalar("SELECT pg_promote(true, 60)")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(promoted, "the standby was promoted");
}
