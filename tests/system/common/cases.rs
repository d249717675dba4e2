//! The steps of a case every area needs: apply, pay, claim, approve with
//! four eyes, and where the case stands.

use domain::Role;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use super::{application, TestApp};

impl TestApp {
    /// The examiner's proposal to approve the case at `case` (such as
    /// `/v1/registrations/{id}`) and the senior examiner's approval of it;
    /// returns the approved case.
    pub async fn approve(&self, case: &str, examiner: &str, senior: &str) -> Value {
        self.approve_with(case, examiner, senior, &json!({"outcome": "APPROVE"}))
            .await
    }

    /// [`TestApp::approve`] with the examiner's own `proposal` body.
    pub async fn approve_with(
        &self,
        case: &str,
        examiner: &str,
        senior: &str,
        proposal: &Value,
    ) -> Value {
        self.post_ok(
            &format!("{case}/decision-proposals"),
            &self.token(Role::Examiner, examiner),
            proposal,
        )
        .await;
        self.post_ok(
            &format!("{case}/decision-approvals"),
            &self.token(Role::SeniorExaminer, senior),
            &json!({}),
        )
        .await
    }

    /// The case at `case` claimed by `examiner`, then approved with four eyes.
    pub async fn claim_and_approve(&self, case: &str, examiner: &str, senior: &str) -> Value {
        self.post_ok(
            &format!("{case}/assignment"),
            &self.token(Role::Examiner, examiner),
            &json!({}),
        )
        .await;
        self.approve(case, examiner, senior).await
    }

    /// An application paid, examined by `examiner` and approved by `senior`:
    /// on the register. Its id and the approved registration.
    pub async fn registered(
        &self,
        holder: &str,
        number: &str,
        examiner: &str,
        senior: &str,
    ) -> (String, Value) {
        let id = self.claimed(holder, number, examiner).await;
        let approved = self
            .approve(&format!("/v1/registrations/{id}"), examiner, senior)
            .await;
        (id, approved)
    }

    /// Uploads a small PDF as `sub` (role applicant) and returns its id.
    pub async fn upload_pdf(&self, sub: &str) -> String {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(b"%PDF-1.4\n% family register extract\n".to_vec())
                .file_name("extract.pdf"),
        );
        let r = self
            .http
            .post(format!("{}/v1/attachments", self.base))
            .bearer_auth(self.token(Role::Applicant, sub))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let body: Value = r.json().await.unwrap();
        // The payment worker opens the checkout; wait for it so the case is at rest.
        self.settle().await;
        body["id"].as_str().unwrap().to_owned()
    }

    /// An application paid and claimed by `examiner`, asked for a document
    /// and answered with one the holder uploaded: (case id, attachment id).
    pub async fn answered_with_document(
        &self,
        holder: &str,
        number: &str,
        examiner: &str,
    ) -> (String, String) {
        let id = self.claimed(holder, number, examiner).await;
        self.post_ok(
            &format!("/v1/registrations/{id}/information-requests"),
            &self.token(Role::Examiner, examiner),
            &json!({"reason_code": "DOCUMENT_MISSING", "message": "attach your pass certificate"}),
        )
        .await;
        let attachment = self.upload_pdf(holder).await;
        self.post_ok(
            &format!("/v1/registrations/{id}/responses"),
            &self.token(Role::Applicant, holder),
            &json!({"message": "here", "attachment_ids": [attachment]}),
        )
        .await;
        self.settle().await;
        (id, attachment)
    }

    /// Submits an application as `applicant` and returns its id.
    pub async fn apply(&self, applicant: &str, number: &str) -> String {
        let r = self
            .post(
                "/v1/registrations",
                &self.token(Role::Applicant, applicant),
                &application(number),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let body: Value = r.json().await.unwrap();
        // The payment worker opens the checkout; wait for it so the case is at rest.
        self.settle().await;
        body["id"].as_str().unwrap().to_owned()
    }

    /// The case's checkout URL, once the payment worker has opened it.
    pub async fn checkout_url(&self, id: &str) -> String {
        let observer = self.token(Role::SeniorExaminer, "observer");
        // Up to a minute: a loaded machine runs many tests' workers at once.
        for _ in 0..2400 {
            for path in [
                format!("/v1/registrations/{id}"),
                format!("/v1/change-requests/{id}"),
            ] {
                let r = self.get(&path, &observer).await;
                if r.status() == StatusCode::OK {
                    let body: Value = r.json().await.unwrap();
                    if let Some(url) = body["payment"]["checkout_url"].as_str() {
                        return url.to_owned();
                    }
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("no checkout was opened for {id}");
    }

    /// Presses Pay (or Decline) on the case's sandbox checkout page.
    pub async fn sandbox(&self, id: &str, action: &str) -> Response {
        let url = self.checkout_url(id).await;
        let (page, token) = url.split_once('?').unwrap();
        self.http
            .post(format!("{page}/{action}?{token}"))
            .send()
            .await
            .unwrap()
    }

    /// Pays a case in the sandbox and waits until the registers have been
    /// asked (the inquiry job appends its answer to the case).
    pub async fn pay(&self, id: &str) {
        let r = self.sandbox(id, "pay").await;
        assert_eq!(r.status(), StatusCode::OK);
        self.settle().await;
    }

    /// An application, paid and claimed by `examiner`.
    pub async fn claimed(&self, applicant: &str, number: &str, examiner: &str) -> String {
        let id = self.apply(applicant, number).await;
        self.pay(&id).await;
        let r = self
            .post(
                &format!("/v1/registrations/{id}/assignment"),
                &self.token(Role::Examiner, examiner),
                &json!({}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        id
    }

    /// The case's row in the examiners' queue (`query` such as `?status=...`).
    pub async fn queued(&self, query: &str, token: &str, id: &str) -> Value {
        let queue: Value = self.get_json(&format!("/v1/queue{query}"), token).await;
        queue["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["case_id"] == id)
            .unwrap_or_else(|| panic!("{id} is not in the queue: {queue}"))
            .clone()
    }

    /// The registration as its examiners see it.
    pub async fn registration(&self, id: &str) -> Value {
        let r = self
            .get(
                &format!("/v1/registrations/{id}"),
                &self.token(Role::SeniorExaminer, "observer"),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.unwrap()
    }
}
