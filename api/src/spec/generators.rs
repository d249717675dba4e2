//! What client generators read differently from the document utoipa makes:
//! binary bodies and enum constant names. Checked by `scripts/lint-spec`,
//! which builds clients with OpenAPI Generator (Go, Java, Python,
//! TypeScript), hey-api, openapi-typescript and openapi-python-client.

use serde_json::{json, Value};

/// Whether a body of this media type is bytes rather than text or JSON.
/// (SVG is XML text, but it is a picture that clients save, not parse.)
pub fn is_binary(media_type: &str) -> bool {
    !media_type.contains("json")
        && !media_type.starts_with("text/")
        && media_type != "application/x-www-form-urlencoded"
        && media_type != "multipart/form-data"
}

/// Declares every binary body's schema as bytes of its media type:
/// `format: binary` is what OpenAPI Generator, hey-api and
/// openapi-typescript read, `contentMediaType` is the OAS 3.1 way (JSON
/// Schema 2020-12) that newer generators read; both are sent.
pub fn declare_binary(content: &mut serde_json::Map<String, Value>) {
    for (media_type, body) in content.iter_mut() {
        if !is_binary(media_type) {
            continue;
        }
        let stringly = body
            .get("schema")
            .is_none_or(|s| s.get("$ref").is_none() && s["type"] == "string");
        if stringly {
            body["schema"] = json!({
                "type": "string",
                "format": "binary",
                "contentMediaType": media_type,
            });
        }
    }
}

/// Names each enum schema's constants after the schema (`x-enum-varnames`),
/// so `CaseStatus.REGISTERED` and `FeedEventType.REGISTERED` do not both
/// become the Go constant `REGISTERED`: OpenAPI Generator's Go client puts
/// every enum's constants in one package namespace.
pub fn name_enum_constants(schemas: &mut serde_json::Map<String, Value>) {
    for (name, schema) in schemas.iter_mut() {
        let Some(words) = schema.get("enum").and_then(Value::as_array) else {
            continue;
        };
        let prefix = screaming(name);
        let names: Vec<Value> = words
            .iter()
            .filter_map(Value::as_str)
            .map(|w| Value::from(format!("{prefix}_{}", w.to_ascii_uppercase())))
            .collect();
        if names.len() == words.len() {
            schema["x-enum-varnames"] = Value::Array(names);
        }
    }
}

/// `FeedEventType` -> `FEED_EVENT_TYPE`.
fn screaming(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_constants_carry_their_schema() {
        let mut schemas = json!({
            "CaseStatus": { "type": "string", "enum": ["REGISTERED", "PENDING"] },
            "JobStateParam": { "type": "string", "enum": ["queued"] },
        });
        name_enum_constants(schemas.as_object_mut().unwrap());
        assert_eq!(
            schemas["CaseStatus"]["x-enum-varnames"],
            json!(["CASE_STATUS_REGISTERED", "CASE_STATUS_PENDING"])
        );
        assert_eq!(
            schemas["JobStateParam"]["x-enum-varnames"],
            json!(["JOB_STATE_PARAM_QUEUED"])
        );
    }

    #[test]
    fn binary_bodies_are_bytes_of_their_media_type() {
        let mut content = json!({
            "application/pdf": { "schema": { "type": "string" } },
            "application/json": { "schema": { "type": "string" } },
            "text/html": {},
        });
        declare_binary(content.as_object_mut().unwrap());
        assert_eq!(
            content["application/pdf"]["schema"],
            json!({ "type": "string", "format": "binary", "contentMediaType": "application/pdf" })
        );
        assert_eq!(
            content["application/json"]["schema"],
            json!({ "type": "string" })
        );
        assert!(content["text/html"].get("schema").is_none());
    }
}
