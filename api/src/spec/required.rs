//! Fields the server always sends are `required` (an `Option` is sent as
//! `null`, and its schema says so): utoipa leaves every `Option` optional, so
//! typed clients had to treat always-sent fields as possibly absent. Only the
//! schemas answers reach are changed; request bodies keep their optional
//! fields. The system test `openapi_answers` holds real answers to this.

use serde_json::Value;

use super::refs;

/// Fields the server leaves out when empty (`skip_serializing_if`), by
/// schema: the only properties of an answer that may be absent.
pub const MAY_BE_ABSENT: &[(&str, &str)] = &[
    // Holder only, on GET.
    ("RegistrationResource", "wallet_credentials"),
    // Each only for some results.
    ("VerificationResult", "reason"),
    ("VerificationResult", "facts"),
    ("VerificationResult", "kid"),
    // Only for VALIDATION_FAILED.
    ("Problem", "errors"),
];

/// Makes every property of the schemas that answers reach (and no request
/// body or parameter does) required, except [`MAY_BE_ABSENT`].
pub fn require_sent_fields(doc: &mut Value) {
    let mut requests = Vec::new();
    let mut answers = Vec::new();
    for item in doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
    {
        for op in item.as_object().into_iter().flat_map(|i| i.values()) {
            requests.push(&op["requestBody"]);
            requests.push(&op["parameters"]);
            answers.push(&op["responses"]);
        }
    }
    // A webhook's body is an answer of ours, though sent as a request.
    answers.push(&doc["webhooks"]);
    let taken = refs::reachable(doc, requests);
    let sent = refs::reachable(doc, answers);
    let names: Vec<String> = sent
        .difference(&taken)
        .filter_map(|r| r.strip_prefix("#/components/schemas/"))
        .map(str::to_owned)
        .collect();
    let schemas = &mut doc["components"]["schemas"];
    for name in names {
        require_all(&name, &mut schemas[&name]);
    }
}

fn require_all(name: &str, schema: &mut Value) {
    let Some(properties) = schema["properties"].as_object() else {
        return;
    };
    let required: Vec<Value> = properties
        .keys()
        .filter(|p| !MAY_BE_ABSENT.contains(&(name, p.as_str())))
        .map(|p| Value::from(p.as_str()))
        .collect();
    if !required.is_empty() {
        schema["required"] = Value::Array(required);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn answer_fields_become_required_and_request_fields_do_not() {
        let mut doc = json!({
            "paths": { "/a": { "post": {
                "requestBody": { "content": { "application/json": { "schema": { "$ref": "#/components/schemas/In" } } } },
                "responses": { "200": { "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Problem" } } } } },
            } } },
            "components": { "schemas": {
                "In": { "properties": { "a": {}, "b": {} }, "required": ["a"] },
                "Problem": { "properties": { "code": {}, "errors": {} }, "required": [] },
            } },
        });
        require_sent_fields(&mut doc);
        let schemas = &doc["components"]["schemas"];
        assert_eq!(schemas["In"]["required"], json!(["a"]));
        assert_eq!(schemas["Problem"]["required"], json!(["code"]));
    }
}
