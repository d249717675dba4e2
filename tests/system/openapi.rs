//! The committed spec is the product for ministries: it must match the code.

use crate::common;

use reqwest::StatusCode;
use serde_json::Value;

/// (where it is served, the committed file, the document in the code).
fn documents() -> [(&'static str, &'static str, Value); 2] {
    [
        (
            "/openapi.json",
            "openapi/openapi.json",
            serde_json::to_value(api::openapi()).unwrap(),
        ),
        (
            "/openapi/operations.json",
            "openapi/operations.json",
            serde_json::to_value(api::operations_openapi()).unwrap(),
        ),
    ]
}

#[tokio::test]
async fn served_spec_matches_the_committed_one() {
    let app = common::spawn_app().await;
    for (url, committed_at, code) in documents() {
        let served: Value = app.public_json(url).await;
        assert_eq!(served, code, "{url}");
        let pretty = serde_json::to_string_pretty(&served).unwrap() + "\n";
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(committed_at);
        if std::env::var("UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
            std::fs::write(&path, &pretty).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == pretty,
            "{committed_at} differs from the code; run UPDATE_OPENAPI=1 cargo test --test system openapi and commit it"
        );
        assert_eq!(served["openapi"], "3.1.0");
    }
}

/// The public document holds what integrators call; health checks, the
/// admin API, the sandbox, Stripe's callback and the HTML pages are the
/// operators' alone, and no operation is in both or neither.
#[test]
fn operators_endpoints_are_out_of_the_public_document() {
    let [(_, _, public), (_, _, operators), ..] = documents();
    let ops = |doc: &Value| -> Vec<String> {
        let mut ids = Vec::new();
        for item in doc["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                ids.push(op["operationId"].as_str().unwrap().to_owned());
            }
        }
        ids
    };
    let (public_ops, operator_ops) = (ops(&public), ops(&operators));
    for id in [
        "livez",
        "readyz",
        "list_jobs",
        "retry_job",
        "pay_in_sandbox",
        "decline_in_sandbox",
        "sandbox_checkout_page",
        "verification_page",
        "checkout_return_page",
        "receive_stripe_webhook",
    ] {
        assert!(!public_ops.contains(&id.to_owned()), "{id} is public");
        assert!(
            operator_ops.contains(&id.to_owned()),
            "{id} is the operators'"
        );
    }
    for id in [
        "create_registration",
        "list_events",
        "issue_access_token",
        "get_certificate_pdf",
    ] {
        assert!(public_ops.contains(&id.to_owned()), "{id} is public");
    }
    assert!(public_ops.iter().all(|id| !operator_ops.contains(id)));
    assert!(public["webhooks"].is_object() && operators.get("webhooks").is_none());
    // Each keeps only the schemas its operations reach.
    let schemas = |doc: &Value| doc["components"]["schemas"].as_object().unwrap().clone();
    assert!(!schemas(&public).contains_key("JobView"));
    assert!(schemas(&operators).contains_key("JobView"));
    assert!(!schemas(&operators).contains_key("RegistrationResource"));
}

#[test]
fn every_authenticated_operation_documents_its_errors() {
    let spec = serde_json::to_value(api::openapi()).unwrap();
    let paths = spec["paths"].as_object().unwrap();
    for path in [
        "/v1/registrations",
        "/v1/registrations/{id}",
        "/v1/registrations/{id}/withdrawal",
        "/v1/registrations/{id}/responses",
        "/v1/registrations/{id}/assignment",
        "/v1/registrations/{id}/information-requests",
        "/v1/registrations/{id}/decision-proposals",
        "/v1/registrations/{id}/decision-approvals",
        "/v1/queue",
        "/v1/qualifications",
    ] {
        assert!(paths.contains_key(path), "{path} is documented");
    }
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            // `security: [{}]` marks a public operation.
            let secured = op["security"].as_array().is_some_and(|reqs| {
                reqs.iter()
                    .any(|r| r.as_object().is_some_and(|o| !o.is_empty()))
            });
            if secured {
                assert!(
                    responses.contains_key("401"),
                    "{method} {path} documents 401"
                );
            }
            if secured && path.starts_with("/v1/") && method == "post" {
                let errors = responses.keys().filter(|k| k.starts_with('4')).count();
                assert!(errors >= 3, "{method} {path} documents its errors");
            }
        }
    }
}

#[tokio::test]
async fn docs_page_works_offline() {
    let app = common::spawn_app().await;
    let r = app.get_anonymous("/docs/").await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("swagger-ui"));
    assert!(
        !html.contains("cdn") && !html.contains("unpkg"),
        "no assets from the internet"
    );
    let js = app.get_anonymous("/docs/swagger-ui-bundle.js").await;
    assert_eq!(js.status(), StatusCode::OK, "the bundle is served locally");
    let ready = app.get_anonymous("/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);
    let live = app.get_anonymous("/livez").await;
    assert_eq!(live.status(), StatusCode::OK);
    assert!(live.headers().contains_key("x-request-id"));
    let echoed = app
        .http
        .get(format!("{}/livez", app.base))
        .header("x-request-id", "trace-me-1")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "trace-me-1");
    let metrics = app.metrics().await;
    assert!(metrics.contains("shikaku_subscription_lag_events"));
    let public = app.get_anonymous("/metrics").await;
    assert_eq!(public.status(), StatusCode::NOT_FOUND, "not on the API");
}

/// What client generators need, checked on the spec as served (the lint in
/// `scripts/lint-spec` checks the committed file with the generators).
#[tokio::test]
async fn served_spec_is_complete_for_client_generators() {
    let app = common::spawn_app().await;
    let spec: Value = app.public_json("/openapi.json").await;
    assert!(
        spec["servers"].as_array().is_some_and(|s| !s.is_empty()),
        "servers"
    );
    let mut ids = std::collections::BTreeMap::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let at = format!("{method} {path}");
            let id = op["operationId"].as_str().expect("an operationId");
            if let Some(other) = ids.insert(id.to_owned(), at.clone()) {
                panic!("operationId {id} is used by {other} and {at}");
            }
            assert!(op["security"].is_array(), "{at} says whether it is public");
            let responses = op["responses"].as_object().unwrap();
            let error = match responses["500"]["$ref"].as_str() {
                Some(shared) => {
                    let name = shared.rsplit('/').next().unwrap();
                    &spec["components"]["responses"][name]
                }
                None => &responses["500"],
            };
            let error = &error["content"]["application/problem+json"]["schema"];
            assert_eq!(error["$ref"], "#/components/schemas/Problem", "{at} 500");
            let header = |status: &str, name: &str| {
                responses
                    .get(status)
                    .is_none_or(|r| r["headers"].get(name).is_some())
            };
            assert!(header("401", "WWW-Authenticate"), "{at} 401");
            assert!(header("429", "Retry-After"), "{at} 429");
            assert!(header("429", "RateLimit"), "{at} 429 RateLimit");
            assert!(header("201", "Location"), "{at} 201");
            if method == "post" {
                assert!(header("409", "Retry-After"), "{at} 409");
            }
            let takes_json = op["requestBody"]["content"]
                .get("application/json")
                .is_some();
            if takes_json {
                assert!(responses.contains_key("422"), "{at} documents 422");
            }
            let body = responses
                .get("200")
                .and_then(|r| r["content"]["application/json"]["schema"]["$ref"].as_str());
            if method == "post"
                && body.is_some_and(|b| {
                    b.ends_with("/RegistrationResource") || b.ends_with("/ChangeRequestResource")
                })
            {
                assert!(header("200", "ETag"), "{at} 200 sends ETag");
            }
            for param in op["parameters"].as_array().into_iter().flatten() {
                let name = param["name"].as_str().unwrap();
                if param["in"] == "header" {
                    assert_eq!(param["schema"]["type"], "string", "{at} {name}");
                }
                if name == "limit" {
                    let schema = &param["schema"];
                    for bound in ["minimum", "maximum", "default"] {
                        assert!(schema[bound].is_number(), "{at} limit {bound}");
                    }
                }
                if name == "status" && param["in"] == "query" {
                    assert!(
                        param["schema"]["$ref"].is_string(),
                        "{at} status is an enum"
                    );
                }
            }
        }
    }
    for id in [
        "assign_registration",
        "assign_change_request",
        "list_registrations",
        "get_change_request",
    ] {
        assert!(ids.contains_key(id), "{id}");
    }
    let schemas = &spec["components"]["schemas"];
    for (name, word) in [
        ("CaseStatus", "UNDER_EXAMINATION"),
        ("CaseType", "CHANGE_REQUEST"),
        ("Channel", "PAPER"),
        ("ChangeKind", "CHANGE_NAME"),
        ("ChangeOutcome", "APPLIED"),
        ("Procedure", "NEW_REGISTRATION"),
        ("PaymentStatus", "PAID"),
        ("DecisionOutcome", "APPROVE"),
    ] {
        let words = schemas[name]["enum"].as_array().expect(name);
        assert!(words.contains(&Value::from(word)), "{name} has {word}");
    }
    let download = &spec["paths"]["/v1/attachments/{id}"]["get"]["responses"]["200"]["content"];
    for media in ["application/pdf", "image/jpeg", "image/png"] {
        assert!(download.get(media).is_some(), "{media}");
    }
    let operators: Value = app.public_json("/openapi/operations.json").await;
    for path in ["/livez", "/readyz"] {
        let ok =
            &operators["paths"][path]["get"]["responses"]["200"]["content"]["application/json"];
        assert!(ok["schema"].is_object(), "{path} documents its body");
    }
}
