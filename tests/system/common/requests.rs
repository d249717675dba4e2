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
