//! Digital certificates end to end: issued on registration, verified by the
//! public API and page, forgeries INVALID (never a 500), revoked by a
//! re-issue and a change of name within 60 s, keys rotated, suspended told
//! apart from revoked, status lists in both forms at random positions.

mod issue;
mod revocation;
mod status_lists;

use crate::common;

use std::time::{Duration, Instant};

use crate::common::certificates::{
    certificate, certificate_when, change, registered, reissue, verify,
};
use crate::common::{my_number, spawn_app, spawn_app_with, TestApp};
use certificate::encoding::{b64, unb64};
use certificate::token::sign_certificate;
use certificate::{JwkSet, KeySet, SigningKey, StatusListToken};
use domain::Role;
use reqwest::StatusCode;
use serde_json::json;

async fn key_set(app: &TestApp) -> (JwkSet, KeySet) {
    let r = app.get_anonymous("/v1/certificate-keys").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/jwk-set+json");
    let jwks: JwkSet = r.json().await.unwrap();
    let keys = KeySet::from_jwks(&jwks).unwrap();
    (jwks, keys)
}

async fn status_list(app: &TestApp) -> StatusListToken {
    let r = app.get_anonymous("/v1/certificate-status-list").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/statuslist+cwt");
    let bytes = r.bytes().await.unwrap();
    StatusListToken::verify(&bytes, &key_set(app).await.1).expect("a genuine status list")
}

/// Waits until the API says `token` is REVOKED; returns how long it took.
async fn revoked_within_60s(app: &TestApp, token: &str) -> Duration {
    let start = Instant::now();
    loop {
        if verify(app, token).await["result"] == "REVOKED" {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "not REVOKED within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_verification_page_runs_no_script_and_is_framed_by_nobody() {
    let app = spawn_app().await;
    for path in ["/verify", "/verify?c=not-a-token"] {
        let r = app.get_anonymous(path).await;
        assert_eq!(r.status(), StatusCode::OK);
        let h = r.headers();
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        let csp = h["content-security-policy"].to_str().unwrap().to_owned();
        for directive in [
            "default-src 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
            "base-uri 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {directive} in {csp}");
        }
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("script-src"),
            "{csp}"
        );
        // The page's one inline style is allowed by its hash, nothing else.
        let style = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("style-src"))
            .expect("a style-src");
        assert!(style.starts_with("style-src 'sha256-"), "{style}");
    }
}
