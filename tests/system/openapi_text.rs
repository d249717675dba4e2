//! What each operation of both documents carries beyond its shapes: an
//! example of its request and answer, Japanese beside the English, and the
//! RateLimit headers where a rate holds. (Redocly and Spectral check the
//! examples against their schemas in `scripts/lint-spec`.)

use serde_json::Value;

/// (document, method, path, operation) of both documents, and the webhooks.
fn operations() -> Vec<(&'static str, String, String, Value)> {
    let mut all = Vec::new();
    for (name, doc) in [
        ("public", serde_json::to_value(api::openapi()).unwrap()),
        (
            "operations",
            serde_json::to_value(api::operations_openapi()).unwrap(),
        ),
    ] {
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                all.push((name, method.clone(), path.clone(), op.clone()));
            }
        }
    }
    all
}

fn is_bytes(media: &Value) -> bool {
    media["schema"]["format"] == "binary"
}

#[test]
fn every_operation_has_examples_of_its_request_and_answer() {
    let mut missing = Vec::new();
    for (doc, method, path, op) in operations() {
        let at = format!("{doc}: {method} {path}");
        // The request: its body, or else each of its parameters.
        match op["requestBody"]["content"].as_object() {
            Some(content) => {
                for (media, body) in content {
                    if body.get("example").is_none() && !is_bytes(body) {
                        missing.push(format!("{at}: request {media}"));
                    }
                }
            }
            None => {
                for param in op["parameters"].as_array().into_iter().flatten() {
                    if param.get("example").is_none() {
                        missing.push(format!("{at}: parameter {}", param["name"]));
                    }
                }
            }
        }
        // The answer: every success body that is not bytes.
        let mut answered = false;
        for (status, response) in op["responses"].as_object().unwrap() {
            if !status.starts_with('2') {
                continue;
            }
            for (media, body) in response["content"].as_object().into_iter().flatten() {
                if is_bytes(body) || body.get("example").is_some() {
                    answered = true;
                } else {
                    missing.push(format!("{at}: answer {status} {media}"));
                }
            }
            answered |= response.get("content").is_none();
        }
        if !answered {
            missing.push(format!("{at}: no success answer"));
        }
    }
    assert!(missing.is_empty(), "examples missing: {missing:#?}");
    // The examples follow the code's schemas: an application's example is
    // the shape the handler takes.
    let public = serde_json::to_value(api::openapi()).unwrap();
    let create = &public["paths"]["/v1/registrations"]["post"];
    let example = &create["requestBody"]["content"]["application/json"]["example"];
    assert_eq!(example["qualification_code"], "CARE_WORKER");
    assert_eq!(example["my_number"], "123456789018");
    let answer = &create["responses"]["201"]["content"]["application/json"]["example"];
    assert!(
        answer["status"].is_string() && answer["id"].is_string(),
        "{answer}"
    );
}

fn japanese(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF))
}

/// Each description or summary in `value` without Japanese, as its JSON
/// pointer and its English. Examples are data, not descriptions: skipped.
fn english_only(value: &Value, at: &str, found: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            for (key, child) in object {
                let here = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                match (key.as_str(), child.as_str()) {
                    ("example" | "examples", _) => {}
                    ("description" | "summary", Some(text)) => {
                        if !japanese(text) {
                            found.push(format!("{here}: {text:?}"));
                        }
                    }
                    _ => english_only(child, &here, found),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                english_only(item, &format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
}

#[test]
fn every_description_is_in_japanese_too() {
    let mut missing = Vec::new();
    for (name, doc) in [
        ("public", serde_json::to_value(api::openapi()).unwrap()),
        (
            "operations",
            serde_json::to_value(api::operations_openapi()).unwrap(),
        ),
    ] {
        // Anywhere: operations, parameters, request bodies, answers,
        // headers, properties, schemas, webhooks, tags, servers.
        english_only(&doc, name, &mut missing);
        // What must be there at all: each operation's summary and
        // description, each schema's, webhook's and tag's.
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                for field in ["summary", "description"] {
                    if op.get(field).is_none() {
                        missing.push(format!("{name}: {method} {path} has no {field}"));
                    }
                }
            }
        }
        for (schema, body) in doc["components"]["schemas"].as_object().unwrap() {
            if body.get("description").is_none() {
                missing.push(format!("{name}: schema {schema} has no description"));
            }
        }
        for (hook, item) in doc["components"]["pathItems"]
            .as_object()
            .into_iter()
            .flatten()
        {
            if item["post"].get("summary").is_none() {
                missing.push(format!("{name}: webhook {hook} has no summary"));
            }
        }
        for tag in doc["tags"].as_array().unwrap() {
            if tag.get("description").is_none() {
                missing.push(format!("{name}: tag {} has no description", tag["name"]));
            }
        }
        assert!(japanese(doc["info"]["description"].as_str().unwrap()));
    }
    assert!(
        missing.is_empty(),
        "add their Japanese to api/src/spec/japanese/ (texts/ by English text): {missing:#?}"
    );
}

#[test]
fn rate_limited_answers_document_the_ratelimit_headers() {
    let mut limited = 0;
    for (_, method, path, op) in operations() {
        let by_client = op["security"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r.get("ministry").is_some()));
        let responses = op["responses"].as_object().unwrap();
        for (status, response) in responses {
            let headers = &response["headers"];
            let expected: &[&str] = match (by_client, status.as_str()) {
                (true, s) if s.starts_with('2') || s == "429" => &["RateLimit", "RateLimit-Policy"],
                (false, "429") => &["RateLimit"],
                _ => &[],
            };
            for name in expected {
                assert!(
                    headers.get(*name).is_some(),
                    "{method} {path} {status} documents {name}"
                );
            }
        }
        if by_client {
            limited += 1;
            assert!(
                responses.contains_key("429"),
                "{method} {path} documents 429"
            );
        }
    }
    assert!(limited >= 5, "{limited} operations a ministry client calls");
}
