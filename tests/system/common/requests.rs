//! Requests to the test app: as a role, anonymously, and the checks on
//! their answers.

use domain::Role;
use reqwest::{Response, StatusCode};
use serde_json::Value;

use super::TestApp;

/// Checks an answer's status; its JSON body.
pub async fn answer(r: Response, status: StatusCode) -> Value {
    assert_eq!(r.status(), status);
    r.json().await.unwrap()
}

/// Checks that an answer is a problem (application/problem+json) with
/// `status`; its body.
pub async fn problem(r: Response, status: StatusCode) -> Value {
    assert_eq!(r.status(), status);
    assert_eq!(
        r.headers()["content-type"],
        "application/problem+json",
        "problems are problem+json"
    );
    r.json().await.unwrap()
}

/// Checks that an answer is 201 Created; the id of what it created.
pub async fn created_id(r: Response) -> String {
    let body = answer(r, StatusCode::CREATED).await;
    body["id"].as_str().expect("an id").to_owned()
}

impl TestApp {
    /// A token for `sub` in `role`.
    pub fn token(&self, role: Role, sub: &str) -> String {
        self.tokens.mint(sub, role, 3600)
    }

    /// POSTs JSON with a token.
    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// GETs with a token.
    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent")
    }

    /// POSTs JSON as `sub` in `role`.
    pub async fn post_as(&self, role: Role, sub: &str, path: &str, body: &Value) -> Response {
        self.post(path, &self.token(role, sub), body).await
    }

    /// GETs as `sub` in `role`.
    pub async fn get_as(&self, role: Role, sub: &str, path: &str) -> Response {
        self.get(path, &self.token(role, sub)).await
    }

    /// GETs without a token.
    pub async fn get_anonymous(&self, path: &str) -> Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request sent")
    }

    /// The JSON a GET without a token answers.
    pub async fn public_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        self.get_anonymous(path).await.json().await.unwrap()
    }

    /// The text a GET without a token answers.
    pub async fn public_text(&self, path: &str) -> String {
        self.get_anonymous(path).await.text().await.unwrap()
    }

    /// The JSON a GET with a token answers.
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str, token: &str) -> T {
        self.get(path, token).await.json().await.unwrap()
    }

    /// The text at `url` (a whole URL, such as a link the app handed out).
    pub async fn text_at(&self, url: &str) -> String {
        self.http
            .get(url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// POSTs JSON with a token, expects 200 and returns the answer.
    pub async fn post_ok(&self, path: &str, token: &str, body: &Value) -> Value {
        let r = self.post(path, token, body).await;
        let status = r.status();
        let answer: Value = r.json().await.unwrap_or(Value::Null);
        assert_eq!(status, StatusCode::OK, "{path}: {answer}");
        answer
    }
}

/// Sends a raw HTTP/1.1 request, its head then each piece of its body, while
/// reading the answer on another thread, so an answer the server sends
/// before the body ends is seen (and one it never sends times out after 20 s).
/// With `finish` false the connection is held open after the last piece, as
/// by a client still uploading. Returns the status (0 when none came) and the
/// answer's text.
pub async fn raw_exchange(
    app: &TestApp,
    head: String,
    body: Vec<Vec<u8>>,
    finish: bool,
) -> (u16, String) {
    use std::io::{Read, Write};
    let address = app.base.trim_start_matches("http://").to_owned();
    tokio::task::spawn_blocking(move || {
        let mut writer = std::net::TcpStream::connect(&address).unwrap();
        let mut reader = writer.try_clone().unwrap();
        reader
            .set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .unwrap();
        let read = std::thread::spawn(move || {
            let mut got = Vec::new();
            let mut buf = [0u8; 16 * 1024];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
                if complete(&got) {
                    break;
                }
            }
            got
        });
        // Write errors are expected once the server has answered and closed.
        if writer.write_all(head.as_bytes()).is_ok() {
            for piece in &body {
                if writer.write_all(piece).is_err() {
                    break;
                }
            }
        }
        if finish {
            let _ = writer.flush();
        }
        let got = read.join().unwrap();
        drop(writer);
        let text = String::from_utf8_lossy(&got).into_owned();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        (status, text)
    })
    .await
    .unwrap()
}

/// Whether `got` holds a whole answer with a Content-Length body.
fn complete(got: &[u8]) -> bool {
    let text = String::from_utf8_lossy(got);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    body.len() >= length
}
