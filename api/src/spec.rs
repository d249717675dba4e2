//! Completes the OpenAPI document generated from the handlers with what
//! every operation shares, so no endpoint can forget it: the errors
//! `error.rs` and the middleware may answer anywhere (400 for unstorable
//! text, 401, 413/415/422 for JSON bodies, 500, 503), the headers those
//! answers carry (WWW-Authenticate, Retry-After, X-Request-Id), ETag,
//! Location and Idempotent-Replayed on success, `security: []` on public
//! operations, and header parameters as plain strings. `scripts/lint-spec`
//! checks the result with the tools integrators use.

mod events;
mod generators;
mod security;

use serde_json::{json, Map, Value};
use utoipa::openapi::OpenApi;

const PROBLEM: &str = "#/components/schemas/Problem";
const REQUEST_ID: &str = "#/components/headers/X-Request-Id";
/// Resources whose 200 and 201 carry the aggregate version as ETag.
const VERSIONED: &[&str] = &[
    "#/components/schemas/RegistrationResource",
    "#/components/schemas/ChangeRequestResource",
];

/// The document as served: the generated one, completed.
pub fn complete(api: OpenApi) -> OpenApi {
    let mut doc = serde_json::to_value(&api).expect("the generated document serializes");
    complete_value(&mut doc);
    serde_json::from_value(doc).expect("the completed document is an OpenAPI document")
}

fn complete_value(doc: &mut Value) {
    let components = &mut doc["components"];
    components["securitySchemes"] = security::schemes();
    components["headers"]["X-Request-Id"] = json!({
        "description": "The request's id: the client's own when short and plain, else one the server made; it is in the log and the events",
        "schema": { "type": "string" },
    });
    let mut unavailable =
        problem("The database is briefly unreachable (SERVICE_UNAVAILABLE); retry later");
    unavailable["headers"]["Retry-After"] = header("Seconds to wait before retrying");
    let shared = [
        (
            "InternalError",
            problem("Internal error (INTERNAL); logged, the detail says nothing more"),
        ),
        ("Unavailable", unavailable),
    ];
    for (name, mut response) in shared {
        response["headers"]["X-Request-Id"] = json!({ "$ref": REQUEST_ID });
        components["responses"][name] = response;
    }
    events::complete(doc);
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        generators::name_enum_constants(schemas);
    }
    let mut used_tags = Vec::new();
    if let Some(paths) = doc["paths"].as_object_mut() {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in item.iter_mut() {
                complete_operation(path, method, op);
                for tag in op["tags"].as_array().into_iter().flatten() {
                    if let Some(tag) = tag.as_str() {
                        used_tags.push(tag.to_owned());
                    }
                }
            }
        }
    }
    // Every tag an operation uses is declared (the declared ones keep their descriptions).
    let mut tags = doc["tags"].as_array().cloned().unwrap_or_default();
    for tag in used_tags {
        if !tags.iter().any(|t| t["name"] == tag.as_str()) {
            tags.push(json!({ "name": tag }));
        }
    }
    doc["tags"] = Value::Array(tags);
}

fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/problem+json": { "schema": { "$ref": PROBLEM } } },
    })
}

fn header(description: &str) -> Value {
    json!({ "description": description, "schema": { "type": "string" } })
}

fn complete_operation(path: &str, method: &str, op: &mut Value) {
    // An operation without a security requirement is public: say so explicitly.
    let public = match op.get("security").and_then(Value::as_array) {
        None => true,
        Some(reqs) => reqs
            .iter()
            .all(|r| r.as_object().is_some_and(Map::is_empty)),
    };
    if public {
        op["security"] = json!([]);
    }
    security::complete_requirements(op);
    if op.get("description").is_none() {
        if let Some(summary) = op.get("summary").cloned() {
            op["description"] = summary;
        }
    }
    let takes_json = op["requestBody"]["content"]
        .as_object()
        .is_some_and(|c| c.contains_key("application/json"));
    // (`get_mut`, not `op[...]`: indexing a `&mut Value` inserts a null.)
    let params = op.get_mut("parameters").and_then(Value::as_array_mut);
    let mut idempotent = false;
    for param in params.into_iter().flatten() {
        plain_header(param);
        idempotent |= param["in"] == "header" && param["name"] == "Idempotency-Key";
    }
    let responses = op["responses"]
        .as_object_mut()
        .expect("every operation has responses");
    let mut add = |status: &str, description: &str| {
        responses
            .entry(status)
            .or_insert_with(|| problem(description));
    };
    // `text::refuse_unstorable` guards every route.
    add(
        "400",
        "A control character, or bytes that are not UTF-8, in the path or query (INVALID_CHARACTER)",
    );
    if takes_json {
        add("413", "Body too large (PAYLOAD_TOO_LARGE)");
        add("415", "Not application/json (UNSUPPORTED_MEDIA_TYPE)");
        add(
            "422",
            "Invalid fields (VALIDATION_FAILED), each with its pointer",
        );
    }
    if !public {
        add("401", "No valid token (UNAUTHENTICATED)");
    }
    let shared = |name: &str| json!({ "$ref": format!("#/components/responses/{name}") });
    responses
        .entry("500")
        .or_insert_with(|| shared("InternalError"));
    if path != "/livez" {
        responses
            .entry("503")
            .or_insert_with(|| shared("Unavailable"));
    }
    for (status, response) in responses.iter_mut() {
        // A reference to a shared response is completed where it is defined.
        if response.get("$ref").is_some() {
            continue;
        }
        let body_ref = response["content"]["application/json"]["schema"]["$ref"].as_str();
        let versioned = body_ref.is_some_and(|r| VERSIONED.contains(&r));
        let headers = response
            .as_object_mut()
            .map(|r| r.entry("headers").or_insert_with(|| json!({})));
        let Some(Value::Object(headers)) = headers else {
            continue;
        };
        let mut document = |name: &str, description: &str| {
            headers.entry(name).or_insert_with(|| header(description));
        };
        if versioned && (status == "200" || status == "201") {
            document("ETag", "The case's version, for If-Match");
        }
        match status.as_str() {
            "201" => document("Location", "The new resource"),
            "303" => document("Location", "Where to go next"),
            "401" => document("WWW-Authenticate", "Bearer"),
            "429" => document("Retry-After", "Seconds to wait before retrying"),
            "409" if method == "post" => document(
                "Retry-After",
                "Seconds to wait before retrying; sent with CONCURRENT_MODIFICATION (another request changed the case at the same time)",
            ),
            _ => {}
        }
        if idempotent && status == "201" {
            document(
                "Idempotent-Replayed",
                "`true` when this is the stored answer to an earlier request with the same Idempotency-Key",
            );
        }
        headers.insert("X-Request-Id".into(), json!({ "$ref": REQUEST_ID }));
        if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) {
            generators::declare_binary(content);
        }
    }
}

/// `Option<String>` header parameters come out as `string | null`; a header
/// is absent or a string, never null.
fn plain_header(param: &mut Value) {
    if param["in"] != "header" {
        return;
    }
    let schema = &mut param["schema"];
    if let Some(types) = schema["type"].as_array() {
        let types: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
        if types.len() == 1 {
            schema["type"] = types[0].clone();
        }
    }
}
