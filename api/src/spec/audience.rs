//! Two documents from one set of handlers: the public one holds what
//! integrators call (ministries, applicants' and staff's clients, verifiers);
//! the operators' one holds health checks, the admin API, the payment
//! sandbox, Stripe's callback and the HTML pages, which no generated client
//! should carry. Each keeps only the components its operations reach.

use serde_json::{json, Map, Value};

use super::refs;

/// Tags whose operations are for the people who run the service.
const OPERATOR_TAGS: &[&str] = &["operations", "sandbox"];
/// Operations for operators whatever their tag: Stripe calls the webhook,
/// not an integrator.
const OPERATOR_OPERATIONS: &[&str] = &["receive_stripe_webhook"];

/// Whether `op` belongs in the operators' document.
pub fn for_operators(op: &Value) -> bool {
    let tagged = op["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|t| t.as_str().is_some_and(|t| OPERATOR_TAGS.contains(&t)));
    let named = op["operationId"]
        .as_str()
        .is_some_and(|id| OPERATOR_OPERATIONS.contains(&id));
    tagged || named || is_page(op)
}

/// An HTML page: every success answer is `text/html` (or has no body).
fn is_page(op: &Value) -> bool {
    let media: Vec<&String> = op["responses"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(status, _)| status.starts_with('2'))
        .filter_map(|(_, r)| r["content"].as_object())
        .flat_map(|c| c.keys())
        .collect();
    !media.is_empty() && media.iter().all(|m| m.starts_with("text/html"))
}

/// Splits the completed document into (public, operators').
pub fn split(doc: Value) -> (Value, Value) {
    let mut public = doc.clone();
    let mut operators = doc;
    let mut public_paths = Map::new();
    let mut operator_paths = Map::new();
    if let Some(paths) = public["paths"].as_object() {
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                let target = if for_operators(op) {
                    &mut operator_paths
                } else {
                    &mut public_paths
                };
                let entry = target.entry(path.clone()).or_insert_with(|| json!({}));
                entry[method] = op.clone();
            }
        }
    }
    public["paths"] = Value::Object(public_paths);
    operators["paths"] = Value::Object(operator_paths);
    // The webhooks are what a ministry receives: public only.
    if let Some(o) = operators.as_object_mut() {
        o.remove("webhooks");
    }
    operators["info"]["title"] = json!("shikaku operations");
    operators["info"]["description"] = json!(
        "For the people who run the service, not for integrators: health and readiness checks, the admin API (jobs, audit, console sessions), the development payment sandbox, Stripe's callback and the HTML pages. Integrators use /openapi.json.\n\nサービスを運用する担当者向けの文書であり、連携先システム向けではありません。ヘルスチェック、管理API（ジョブ、監査、コンソールセッション）、開発用決済サンドボックス、Stripe のコールバック、HTML ページを含みます。連携先は /openapi.json を使用してください。"
    );
    for doc in [&mut public, &mut operators] {
        refs::prune(doc);
        let used: Vec<String> = doc["paths"]
            .as_object()
            .into_iter()
            .flat_map(|p| p.values())
            .filter_map(Value::as_object)
            .flat_map(|item| item.values())
            .flat_map(|op| op["tags"].as_array().cloned().unwrap_or_default())
            .filter_map(|t| t.as_str().map(str::to_owned))
            .chain(
                doc["components"]["pathItems"]
                    .as_object()
                    .into_iter()
                    .flat_map(|p| p.values())
                    .flat_map(|i| i["post"]["tags"].as_array().cloned().unwrap_or_default())
                    .filter_map(|t| t.as_str().map(str::to_owned)),
            )
            .collect();
        if let Some(tags) = doc["tags"].as_array_mut() {
            tags.retain(|t| {
                t["name"]
                    .as_str()
                    .is_some_and(|n| used.iter().any(|u| u == n))
            });
        }
    }
    (public, operators)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_operator_tags_go_to_the_operators() {
        let page = json!({ "tags": ["certificates"], "responses": { "200": { "content": { "text/html": {} } } } });
        let health = json!({ "tags": ["operations"], "responses": { "200": {} } });
        let api = json!({ "tags": ["certificates"], "responses": { "200": { "content": { "application/json": {} } }, "303": {} } });
        assert!(for_operators(&page));
        assert!(for_operators(&health));
        assert!(!for_operators(&api));
    }
}
