//! The systemd units in `deploy/` pass `systemd-analyze verify` (where
//! systemd is installed), with the unit's binary path pointing at the built one.

use super::*;

#[test]
fn the_systemd_units_verify() {
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("systemd-analyze is not installed: not checked");
        return;
    }
    let dir = std::env::temp_dir().join(format!("shikaku-units-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut units = Vec::new();
    for name in ["shikaku-serve.service", "shikaku-worker.service"] {
        let text = std::fs::read_to_string(format!("{}/deploy/{name}", env!("CARGO_MANIFEST_DIR")))
            .unwrap();
        assert!(text.contains("DynamicUser=yes") && text.contains("ProtectSystem=strict"));
        let path = dir.join(name);
        std::fs::write(
            &path,
            text.replace("/usr/local/bin/shikaku", env!("CARGO_BIN_EXE_shikaku")),
        )
        .unwrap();
        units.push(path);
    }
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .args(&units)
        .output()
        .unwrap();
    let complaints = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{complaints}");
    let ours: Vec<&str> = complaints
        .lines()
        .filter(|l| l.contains("shikaku-"))
        .collect();
    assert!(ours.is_empty(), "{complaints}");
    let _ = std::fs::remove_dir_all(&dir);
}
