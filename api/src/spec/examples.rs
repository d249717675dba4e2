//! An example for every operation, made from the schemas the handlers
//! declare (so they change with the code): each JSON or form request body,
//! each success answer that is not bytes, and each parameter. A schema's
//! own `example` wins; then a realistic value by field name; then one by
//! format or enum. The system test `openapi::every_operation_has_examples`
//! checks that every operation has them, and `scripts/lint-spec` (Redocly,
//! Spectral) checks each against its schema.

use serde_json::{json, Map, Value};

use super::refs;

/// How deep an example follows nested schemas (the document has no
/// recursive schema today; this only bounds a future one).
const DEPTH: usize = 32;

/// A realistic value for a field, by its name.
fn by_name(name: &str) -> Option<Value> {
    Some(json!(match name {
        "my_number" => "123456789018",
        "email" => "hanako.yamada@example.jp",
        "address" => "東京都千代田区霞が関1-2-2",
        "registered_domicile" => "東京都千代田区",
        "exam_pass_number" => "KK-2026-001234",
        "registration_number" => "123456",
        "qualification_code" | "code" => "CARE_WORKER",
        "qualification_name" | "name_ja" => "介護福祉士",
        "name_en" => "Certified Care Worker",
        "ministry" => "MHLW",
        "reason_code" => "DOCUMENT_MISSING",
        "examiner" | "assigned_to" | "proposed_by" | "subject" => "examiner-1",
        "note" | "message" => "戸籍謄本の写しを添付してください。",
        "url" => "https://integration.example.go.jp/shikaku/webhooks",
        "preferred_language" | "language" => "ja",
        "scope" => "registrations:read events:read",
        "grant_type" => "client_credentials",
        "content_type" => "application/pdf",
        "family_name" => "山田",
        "given_name" => "花子",
        "family_name_kana" => "ヤマダ",
        "given_name_kana" => "ハナコ",
        "checkout_url" =>
            "https://shikaku.example.jp/sandbox/payments/0192e4a1-7c3b-7d2e-9f10-3b5c2a8d4e61",
        "date_of_birth" => "1990-04-01",
        _ => return None,
    }))
}

/// An example value of `schema`, or `None` for bytes.
pub fn of(doc: &Value, schema: &Value, depth: usize) -> Option<Value> {
    if depth > DEPTH {
        return Some(Value::Null);
    }
    if let Some(example) = schema.get("example") {
        return Some(example.clone());
    }
    if let Some(reference) = schema["$ref"].as_str() {
        return refs::resolve(doc, reference).and_then(|s| of(doc, s, depth + 1));
    }
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return Some(first.clone());
    }
    if let Some(value) = schema.get("const") {
        return Some(value.clone());
    }
    for union in ["oneOf", "anyOf"] {
        if let Some(variants) = schema[union].as_array() {
            // The first variant that is not `null`.
            let chosen = variants.iter().find(|v| v["type"] != "null")?;
            return of(doc, chosen, depth + 1);
        }
    }
    if let Some(parts) = schema["allOf"].as_array() {
        let mut merged = Map::new();
        for part in parts {
            if let Some(Value::Object(o)) = of(doc, part, depth + 1) {
                merged.extend(o);
            }
        }
        return Some(Value::Object(merged));
    }
    let kind = match &schema["type"] {
        Value::Array(types) => types.iter().find(|t| *t != "null").cloned(),
        other => Some(other.clone()),
    };
    match kind.as_ref().and_then(Value::as_str) {
        Some("object") | None if schema["properties"].is_object() => {
            let mut object = Map::new();
            for (name, property) in schema["properties"].as_object().into_iter().flatten() {
                let value = by_name(name)
                    .filter(|_| property.get("example").is_none() && property["enum"].is_null())
                    .filter(|_| is_plain_string(doc, property))
                    .or_else(|| of(doc, property, depth + 1))
                    .unwrap_or_else(|| json!("(the file's bytes)"));
                object.insert(name.clone(), value);
            }
            Some(Value::Object(object))
        }
        Some("object") => Some(json!({})),
        Some("array") => of(doc, &schema["items"], depth + 1).map(|item| json!([item])),
        Some("null") => Some(Value::Null),
        Some("integer") => Some(schema.get("minimum").cloned().unwrap_or(json!(1))),
        Some("number") => Some(json!(1.5)),
        Some("boolean") => Some(json!(true)),
        Some("string") => string(schema),
        _ => Some(json!({})),
    }
}

/// Whether `schema` is a string with no format or enum of its own (a
/// name-based value then fits it).
fn is_plain_string(doc: &Value, schema: &Value) -> bool {
    let schema = match schema["$ref"].as_str() {
        Some(r) => refs::resolve(doc, r).unwrap_or(&Value::Null),
        None => schema,
    };
    let string = match &schema["type"] {
        Value::Array(types) => types.iter().any(|t| t == "string"),
        t => t == "string",
    };
    string && schema["format"].as_str().is_none_or(|f| f == "date") && schema.get("enum").is_none()
}

fn string(schema: &Value) -> Option<Value> {
    Some(json!(match schema["format"].as_str() {
        Some("binary") => return None,
        Some("uuid") => "0192e4a1-7c3b-7d2e-9f10-3b5c2a8d4e61",
        Some("date-time") => "2026-04-01T09:00:00Z",
        Some("date") => "2026-04-01",
        Some("uri") => "https://shikaku.example.jp/v1/resource",
        Some("email") => "hanako.yamada@example.jp",
        _ => "string",
    }))
}

/// Adds the examples of one operation.
pub fn complete_operation(doc: &Value, op: &mut Value) {
    if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
        for param in params {
            if param.get("example").is_none() {
                let name = param["name"].as_str().unwrap_or_default().to_owned();
                let value = by_name(&name)
                    .filter(|_| is_plain_string(doc, &param["schema"]))
                    .or_else(|| of(doc, &param["schema"], 0));
                if let Some(value) = value {
                    param["example"] = value;
                }
            }
        }
    }
    // (`get_mut`, not `op[...]`: indexing a `&mut Value` inserts a null.)
    let request = op.get_mut("requestBody").and_then(|b| b.get_mut("content"));
    if let Some(content) = request.and_then(Value::as_object_mut) {
        add_to_content(doc, content);
    }
    for (status, response) in op["responses"].as_object_mut().into_iter().flatten() {
        if !status.starts_with('2') {
            continue;
        }
        if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) {
            add_to_content(doc, content);
        }
    }
}

fn add_to_content(doc: &Value, content: &mut Map<String, Value>) {
    for (media, body) in content.iter_mut() {
        if body.get("example").is_some() || body.get("examples").is_some() {
            continue;
        }
        let example = if media.starts_with("text/html") {
            Some(json!("<!doctype html><html lang=\"ja\">…</html>"))
        } else {
            of(doc, &body["schema"], 0)
        };
        if let Some(example) = example {
            body["example"] = example;
        }
    }
}

/// Adds the examples of every operation of the document.
pub fn complete(doc: &mut Value) {
    let Some(mut paths) = doc.get_mut("paths").map(Value::take) else {
        return;
    };
    for item in paths
        .as_object_mut()
        .into_iter()
        .flat_map(|p| p.values_mut())
    {
        for op in item
            .as_object_mut()
            .into_iter()
            .flat_map(|i| i.values_mut())
        {
            complete_operation(doc, op);
        }
    }
    doc["paths"] = paths;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_follow_references_names_formats_and_enums() {
        let doc = json!({ "components": { "schemas": {
            "Status": { "type": "string", "enum": ["SUBMITTED", "REGISTERED"] },
            "Case": { "type": "object", "properties": {
                "id": { "type": "string", "format": "uuid" },
                "status": { "$ref": "#/components/schemas/Status" },
                "email": { "type": ["string", "null"] },
                "count": { "type": "integer", "minimum": 0 },
                "due": { "oneOf": [{ "type": "null" }, { "type": "string", "format": "date" }] },
                "pdf": { "type": "string", "format": "binary" },
            } },
        } } });
        let example = of(&doc, &json!({ "$ref": "#/components/schemas/Case" }), 0).unwrap();
        assert_eq!(example["status"], "SUBMITTED");
        assert_eq!(example["email"], "hanako.yamada@example.jp");
        assert_eq!(example["count"], 0);
        assert_eq!(example["due"], "2026-04-01");
        assert_eq!(example["id"], "0192e4a1-7c3b-7d2e-9f10-3b5c2a8d4e61");
        assert_eq!(example["pdf"], "(the file's bytes)");
        assert!(of(&doc, &json!({ "type": "string", "format": "binary" }), 0).is_none());
    }
}
