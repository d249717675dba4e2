//! A holder's registration as the outside sees it: registered in one call,
//! read by its holder, in the MHLW's feed and in the published status list.

use certificate::{KeySet, Status, StatusListToken};
use domain::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use super::{answer, application, my_number, TestApp};

impl TestApp {
    /// `holder` applied for `qualification` (My Number from `base`; mail to
    /// `email` when given), paid, and approved with four eyes; the
    /// registration's id.
    pub async fn registered_as(
        &self,
        holder: &str,
        base: &str,
        qualification: &str,
        email: Option<&str>,
    ) -> String {
        let mut body = application(&my_number(base));
        body["qualification_code"] = json!(qualification);
        if let Some(email) = email {
            body["email"] = json!(email);
        }
        let r = self
            .post_as(Role::Applicant, holder, "/v1/registrations", &body)
            .await;
        let id = answer(r, StatusCode::CREATED).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        self.settle().await;
        self.pay(&id).await;
        self.claim_and_approve(&format!("/v1/registrations/{id}"), "ex-r", "sr-r")
            .await;
        self.settle().await;
        id
    }

    /// The registration `reg` as its holder sees it.
    pub async fn registration_of(&self, holder: &str, reg: &str) -> Value {
        self.get_json(
            &format!("/v1/registrations/{reg}"),
            &self.token(Role::Applicant, holder),
        )
        .await
    }

    /// Every item of the MHLW's feed about the registration `reg`, oldest first.
    pub async fn feed_about(&self, reg: &str) -> Vec<Value> {
        let token = self.token(Role::Ministry, "MHLW");
        let mut items = Vec::new();
        let mut cursor = String::new();
        loop {
            let page: Value = self
                .get_json(&format!("/v1/events?limit=100{cursor}"), &token)
                .await;
            let got = page["items"].as_array().unwrap().clone();
            if got.is_empty() {
                break;
            }
            items.extend(got.into_iter().filter(|i| i["registration_id"] == reg));
            cursor = format!("&cursor={}", page["next_cursor"].as_str().unwrap());
        }
        items
    }

    /// The feed items about `reg` of type `kind`.
    pub async fn feed_of(&self, reg: &str, kind: &str) -> Vec<Value> {
        let mut items = self.feed_about(reg).await;
        items.retain(|i| i["type"] == kind);
        items
    }

    /// The status a verifier reads at `idx` of the published status list,
    /// checked against the published keys.
    pub async fn published_status(&self, idx: u64) -> Option<Status> {
        let keys = self.get_anonymous("/v1/certificate-keys").await;
        let keys = KeySet::from_jwks(&keys.json().await.unwrap()).unwrap();
        let r = self.get_anonymous("/v1/certificate-status-list").await;
        assert_eq!(r.status(), StatusCode::OK);
        let list = StatusListToken::verify(&r.bytes().await.unwrap(), &keys).unwrap();
        list.list.status(idx)
    }
}
