//! Completes the OpenAPI document generated from the handlers with what
//! every operation shares, so no endpoint can forget it: the errors
//! `error.rs` and the middleware may answer anywhere (400 for unstorable
//! text, 401, 413/415/422 for JSON bodies, 500, 503), the headers those
//! answers carry (WWW-Authenticate, Retry-After, X-Request-Id), ETag,
//! Location and Idempotent-Replayed on success, `security: []` on public
//! operations, and header parameters as plain strings. `scripts/lint-spec`
//! checks the result with the tools integrators use.

mod audience;
mod events;
mod examples;
mod generators;
mod japanese;
mod refs;
mod required;
mod security;

use serde_json::{json, Map, Value};
use utoipa::openapi::OpenApi;

pub use required::MAY_BE_ABSENT;

const PROBLEM: &str = "#/components/schemas/Problem";
const REQUEST_ID: &str = "#/components/headers/X-Request-Id";
/// Resources whose 200 and 201 carry the aggregate version as ETag.
const VERSIONED: &[&str] = &[
    "#/components/schemas/RegistrationResource",
    "#/components/schemas/ChangeRequestResource",
];

/// The documents as served: the generated one, completed, then split into
/// the public one (what integrators call) and the operators' one.
pub fn complete(api: OpenApi) -> (OpenApi, OpenApi) {
    let mut doc = serde_json::to_value(&api).expect("the generated document serializes");
    complete_value(&mut doc);
    let (public, operators) = audience::split(doc);
    let typed = |doc: Value| -> OpenApi {
        serde_json::from_value(doc).expect("the completed document is an OpenAPI document")
    };
    (typed(public), typed(operators))
}

fn complete_value(doc: &mut Value) {
    let components = &mut doc["components"];
    components["securitySchemes"] = security::schemes();
    components["headers"]["X-Request-Id"] = json!({
        "description": "The request's id: the client's own when short and plain, else one the server made; it is in the log and the events",
        "schema": { "type": "string" },
    });
    components["headers"]["RateLimit"] = json!({
        "description": "IETF RateLimit (draft-ietf-httpapi-ratelimit-headers): the requests left under the named policy and the seconds until the quota is whole again, e.g. `\"client\";r=19;t=1`. Sent on every answer to a ministry client's token, and with TOO_MANY_ATTEMPTS (`\"attempts\";r=0;t=<Retry-After>`).\n\n指定のポリシーで残っている要求数と、枠が戻るまでの秒数。",
        "schema": { "type": "string" },
        "example": "\"client\";r=19;t=1",
    });
    components["headers"]["RateLimit-Policy"] = json!({
        "description": "IETF RateLimit-Policy: the quota of a ministry client, `q` requests per `w` seconds (the configured burst, refilled at the configured rate), e.g. `\"client\";q=20;w=2`.\n\n府省クライアントの割当：`w` 秒あたり `q` 件。",
        "schema": { "type": "string" },
        "example": "\"client\";q=20;w=2",
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
    problem_codes(doc);
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
                japanese::complete_operation(op);
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
    required::require_sent_fields(doc);
    examples::complete(doc);
    japanese::complete(doc);
}

/// `Problem.code` is the enum `ProblemCode` of every stable code, each
/// with its meaning (in the description and `x-enum-descriptions`).
fn problem_codes(doc: &mut Value) {
    let codes = crate::error::PROBLEM_CODES;
    let table: Vec<String> = codes
        .iter()
        .map(|(code, meaning)| format!("- `{code}`: {meaning}"))
        .collect();
    let schemas = &mut doc["components"]["schemas"];
    schemas["ProblemCode"] = json!({
        "type": "string",
        "description": format!("Stable machine-readable code of a problem:\n\n{}\n\n問題の種類を表す固定の機械可読コード（意味は上の一覧と `x-enum-descriptions`）。", table.join("\n")),
        "enum": codes.iter().map(|(code, _)| *code).collect::<Vec<_>>(),
        "x-enum-descriptions": codes.iter().map(|(_, meaning)| *meaning).collect::<Vec<_>>(),
    });
    schemas["Problem"]["properties"]["code"] =
        json!({ "$ref": "#/components/schemas/ProblemCode" });
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
    // A ministry client's token is held to its request rate.
    let limited = op["security"]
        .as_array()
        .is_some_and(|reqs| reqs.iter().any(|r| r.get("ministry").is_some()));
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
    if limited {
        add(
            "429",
            "A ministry client over its request rate (RATE_LIMITED; Retry-After, RateLimit)",
        );
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
        let rate = |name: &str| json!({ "$ref": format!("#/components/headers/{name}") });
        if status == "429" || limited && status.starts_with('2') {
            headers.insert("RateLimit".into(), rate("RateLimit"));
        }
        if limited && (status == "429" || status.starts_with('2')) {
            headers.insert("RateLimit-Policy".into(), rate("RateLimit-Policy"));
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
