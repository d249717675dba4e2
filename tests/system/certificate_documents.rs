//! What a holder prints or shows and what a verifier runs offline: the QR
//! code decodes to the verification URL, the PDF carries the facts as text
//! (and a QR code that scans), and `shikaku verify` works from cached keys
//! and a cached status list with the server gone.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::certificates::{
    certificate, certificate_when, registered, reissue, scan_qr, verify,
};
use crate::common::{my_number, spawn_app, TestApp};
use domain::Role;
use reqwest::StatusCode;

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("shikaku-cert-docs-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Rasterises the QR SVG (one `M x y h w v h H x V y` rectangle per run of
/// dark modules on a light background) into a binary PGM image.
fn svg_to_pgm(svg: &str) -> Vec<u8> {
    let (w, h, pixels) = raster(svg);
    pgm(w, h, pixels)
}

/// The QR SVG as a printer puts it on paper `side` pixels wide (2.5 cm at
/// 300 dpi is 295): each pixel takes the module under its centre.
fn svg_printed_at(svg: &str, side: usize) -> Vec<u8> {
    let (w, h, pixels) = raster(svg);
    let mut out = Vec::with_capacity(side * side);
    for y in 0..side {
        for x in 0..side {
            let (sx, sy) = ((2 * x + 1) * w / (2 * side), (2 * y + 1) * h / (2 * side));
            out.push(pixels[sy * w + sx]);
        }
    }
    pgm(side, side, out)
}

fn pgm(w: usize, h: usize, pixels: Vec<u8>) -> Vec<u8> {
    let mut pgm = format!("P5\n{w} {h}\n255\n").into_bytes();
    pgm.extend(pixels);
    pgm
}

/// The QR SVG's pixels, dark 0 and light 255, with its width and height.
fn raster(svg: &str) -> (usize, usize, Vec<u8>) {
    let attr = |name: &str| -> usize {
        let start = svg.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        svg[start..].split('"').next().unwrap().parse().unwrap()
    };
    let (w, h) = (attr("width"), attr("height"));
    let mut pixels = vec![255u8; w * h];
    let d_start = svg.find(" d=\"").unwrap() + 4;
    let d = svg[d_start..].split('"').next().unwrap();
    for rect in d.split('M').filter(|s| !s.is_empty()) {
        let nums: Vec<usize> = rect
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect();
        let (left, top, width, height) = (nums[0], nums[1], nums[2], nums[3]);
        for y in top..top + height {
            for x in left..left + width {
                pixels[y * w + x] = 0;
            }
        }
    }
    (w, h, pixels)
}

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"));
    assert!(out.status.success(), "{program} {args:?} failed");
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn the_qr_code_and_the_pdf_carry_the_verification_url_and_the_holders_name() {
    let app = spawn_app().await;
    let number = my_number("81345678901");
    let reg = registered(&app, "hanako", "81345678901").await;
    let cert = certificate(&app, "hanako", &reg).await;
    let url = cert["verification_url"].as_str().unwrap();
    // Compact: the token deflated, in digits (the QR code's numeric mode).
    let (_, digits) = url.split_once("/verify#c=").expect("a verification URL");
    assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{url}");
    // Numeric mode stores 10 bits per 3 digits; the base64url of the token
    // took 8 bits a character in byte mode.
    let base64_len = cert["token"].as_str().unwrap().len();
    assert!(digits.len() * 10 / 3 < base64_len * 8 * 85 / 100, "{url}");
    let holder = app.token(Role::Applicant, "hanako");
    let dir = scratch();

    let r = app
        .get(&format!("/v1/registrations/{reg}/certificate.svg"), &holder)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    let svg = r.text().await.unwrap();
    let pgm = dir.join("qr.pgm");
    std::fs::write(&pgm, svg_to_pgm(&svg)).unwrap();
    assert_eq!(scan_qr(&pgm), url);
    // Printed only 2.5 cm wide (at 300 dpi) it still scans.
    let small = dir.join("qr-2.5cm.pgm");
    std::fs::write(&small, svg_printed_at(&svg, 295)).unwrap();
    assert_eq!(scan_qr(&small), url, "a 2.5 cm print");

    let r = app
        .get(&format!("/v1/registrations/{reg}/certificate.pdf"), &holder)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let pdf_bytes = r.bytes().await.unwrap();
    assert!(pdf_bytes.starts_with(b"%PDF-"));
    assert!(
        pdf_bytes.len() < 500_000,
        "the font is subsetted: {} bytes",
        pdf_bytes.len()
    );
    let pdf = dir.join("certificate.pdf");
    std::fs::write(&pdf, &pdf_bytes).unwrap();
    let text = run("pdftotext", &["-enc", "UTF-8", pdf.to_str().unwrap(), "-"]);
    for expected in [
        "山田",
        "花子",
        "ヤマダ",
        "ハナコ",
        "介護福祉士",
        // Japanese-calendar dates with the Western year beside them.
        "平成2年（1990年）4月1日",
    ] {
        assert!(
            text.contains(expected),
            "{expected} not in the PDF text:\n{text}"
        );
    }
    assert!(text.contains(cert["facts"]["registration_number"].as_str().unwrap()));
    assert!(text.contains("本人であることを証明するものではありません"));
    assert!(!text.contains(&number), "no My Number on a certificate");
    // The printed QR code scans to the same URL.
    let png = dir.join("page");
    run(
        "pdftoppm",
        &[
            "-png",
            "-r",
            "72",
            "-singlefile",
            pdf.to_str().unwrap(),
            png.to_str().unwrap(),
        ],
    );
    // ... even rendered at 72 dpi.
    assert_eq!(scan_qr(&dir.join("page.png")), url);
    if let Ok(keep) = std::env::var("SHIKAKU_CERT_SAMPLES") {
        std::fs::copy(&pdf, Path::new(&keep).join("certificate.pdf")).unwrap();
        std::fs::copy(
            dir.join("page.png"),
            Path::new(&keep).join("certificate.png"),
        )
        .unwrap();
        let html = app.text_at(url).await;
        std::fs::write(Path::new(&keep).join("verify.html"), html).unwrap();
    }
    let _ = std::fs::remove_dir_all(&dir);

    // Not the holder: no document.
    let examiner = app.token(Role::Examiner, "ex-docs");
    for suffix in ["svg", "pdf"] {
        let r = app
            .get(
                &format!("/v1/registrations/{reg}/certificate.{suffix}"),
                &examiner,
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
}

/// Runs `shikaku verify` and returns its exit code and output. Off the
/// test's runtime thread, which also drives the server's database tasks.
async fn cli(args: &[&str]) -> (i32, String) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_shikaku"))
            .arg("verify")
            .args(&args)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

async fn save(app: &TestApp, path: &str, file: &Path) {
    let bytes = app.get_anonymous(path).await.bytes().await.unwrap();
    std::fs::write(file, bytes).unwrap();
}

#[tokio::test]
async fn the_cli_verifies_with_cached_keys_and_status_list_when_the_server_is_gone() {
    let app = spawn_app().await;
    let reg = registered(&app, "hanako", "91345678901").await;
    let cert = certificate(&app, "hanako", &reg).await;
    let token = cert["token"].as_str().unwrap().to_owned();
    let url = cert["verification_url"].as_str().unwrap().to_owned();
    let dir = scratch();
    let keys = dir.join("keys.json");
    let old_list = dir.join("status-list-old.cwt");
    save(&app, "/v1/certificate-keys", &keys).await;
    save(&app, "/v1/certificate-status-list", &old_list).await;
    let (keys_arg, old_arg) = (keys.to_str().unwrap(), old_list.to_str().unwrap());

    // With the network: keys and status list fetched from the issuer.
    let (code, out) = cli(&[&url]).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("VALID") && out.contains("山田 花子"), "{out}");
    // With the cached files.
    let (code, out) = cli(&[&token, "--keys", keys_arg, "--status-list", old_arg]).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("does not prove"), "{out}");

    // Forgeries exit 1.
    let mut forged = token.clone().into_bytes();
    let i = forged.len() / 2;
    forged[i] = if forged[i] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    for bad in [forged.as_str(), "not base64 !", &token[..40]] {
        let (code, out) = cli(&[bad, "--keys", keys_arg, "--status-list", old_arg]).await;
        assert_eq!(code, 1, "{bad}: {out}");
        assert!(out.starts_with("INVALID"), "{out}");
    }

    // Suspended (exit 3), told by the list in its JWT form as well, then lifted.
    let id: uuid::Uuid = cert["certificate_id"].as_str().unwrap().parse().unwrap();
    let mut conn = app.pool.acquire().await.unwrap();
    adapters::certificate::set_status(&mut conn, id, certificate::Status::Suspended)
        .await
        .unwrap();
    let (code, out) = cli(&[&url]).await;
    assert_eq!(code, 3, "{out}");
    assert!(
        out.starts_with("SUSPENDED") && out.contains("山田 花子"),
        "{out}"
    );
    let jwt_list = dir.join("status-list.jwt");
    let jwt = app
        .http
        .get(format!("{}/v1/certificate-status-list", app.base))
        .header("accept", "application/statuslist+jwt")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    std::fs::write(&jwt_list, jwt).unwrap();
    let jwt_arg = jwt_list.to_str().unwrap();
    let (code, out) = cli(&[&url, "--keys", keys_arg, "--status-list", jwt_arg]).await;
    assert_eq!(code, 3, "{out}");
    adapters::certificate::set_status(&mut conn, id, certificate::Status::Valid)
        .await
        .unwrap();
    drop(conn);
    let (code, out) = cli(&[&url]).await;
    assert_eq!(code, 0, "{out}");

    // A re-issue revokes it: the network says REVOKED (exit 2) ...
    reissue(&app, "hanako", &reg).await;
    certificate_when(&app, "hanako", &reg, |c| {
        c["certificate_id"] != cert["certificate_id"]
    })
    .await;
    for _ in 0..600 {
        if verify(&app, &token).await["result"] == "REVOKED" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (code, out) = cli(&[&url]).await;
    assert_eq!(code, 2, "{out}");
    assert!(out.starts_with("REVOKED"), "{out}");
    let new_list = dir.join("status-list-new.cwt");
    save(&app, "/v1/certificate-status-list", &new_list).await;

    // ... and with the server gone, the cached files still answer: the old
    // list as it was cached, the new one REVOKED. Nothing is fetched.
    app.handle.stop(true).await;
    let (code, out) = cli(&[&url, "--keys", keys_arg, "--status-list", old_arg]).await;
    assert_eq!(code, 0, "{out}");
    let new_arg = new_list.to_str().unwrap();
    let (code, out) = cli(&[&url, "--keys", keys_arg, "--status-list", new_arg]).await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("山田 花子"), "{out}");
    let (code, out) = cli(&[&url]).await;
    assert_eq!(
        code, 1,
        "without cache or server it cannot say VALID: {out}"
    );
    assert!(out.contains("cannot fetch"), "{out}");
    // A status list that is not genuine is refused.
    std::fs::write(&new_list, b"not a status list").unwrap();
    let (code, out) = cli(&[&url, "--keys", keys_arg, "--status-list", new_arg]).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("status list is not genuine"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
