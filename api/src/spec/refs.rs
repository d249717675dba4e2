//! Following `$ref`s through a document: which components a part of it
//! reaches, and dropping the components nothing reaches (the public and the
//! operators' documents each keep only the schemas their operations use).

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// Every `$ref` written anywhere in `value`, not followed.
fn direct(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => {
                        out.insert(r.clone());
                    }
                    _ => direct(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| direct(v, out)),
        _ => {}
    }
}

/// The node a local reference (`#/components/schemas/X`) points at.
pub fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    doc.pointer(reference.strip_prefix('#')?)
}

/// The references `roots` reach, directly or through other components.
pub fn reachable<'a>(doc: &Value, roots: impl IntoIterator<Item = &'a Value>) -> BTreeSet<String> {
    let mut todo = BTreeSet::new();
    for root in roots {
        direct(root, &mut todo);
    }
    let mut seen = BTreeSet::new();
    while let Some(reference) = todo.pop_first() {
        if !seen.insert(reference.clone()) {
            continue;
        }
        if let Some(node) = resolve(doc, &reference) {
            let mut more = BTreeSet::new();
            direct(node, &mut more);
            todo.extend(more.into_iter().filter(|r| !seen.contains(r)));
        }
    }
    seen
}

/// Drops the schemas, responses, headers and path items that neither the
/// paths nor the webhooks reach, and the security schemes no operation names.
pub fn prune(doc: &mut Value) {
    let used = reachable(doc, [&doc["paths"], &doc["webhooks"]]);
    let named: BTreeSet<String> = doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
        .flat_map(|op| op["security"].as_array().cloned().unwrap_or_default())
        .filter_map(|r| r.as_object().map(|r| r.keys().cloned().collect::<Vec<_>>()))
        .flatten()
        .collect();
    if let Some(Value::Object(schemes)) = doc["components"].get_mut("securitySchemes") {
        schemes.retain(|name, _| named.contains(name));
    }
    let Some(components) = doc["components"].as_object_mut() else {
        return;
    };
    for kind in ["schemas", "responses", "headers", "pathItems"] {
        let Some(Value::Object(entries)) = components.get_mut(kind) else {
            continue;
        };
        let kept: Map<String, Value> = std::mem::take(entries)
            .into_iter()
            .filter(|(name, _)| used.contains(&format!("#/components/{kind}/{name}")))
            .collect();
        *entries = kept;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unreached_components_go_and_reached_ones_stay() {
        let mut doc = json!({
            "paths": { "/a": { "get": { "responses": { "200": { "content": { "application/json": {
                "schema": { "$ref": "#/components/schemas/A" } } } } } } } },
            "components": { "schemas": {
                "A": { "properties": { "b": { "$ref": "#/components/schemas/B" } } },
                "B": { "type": "string" },
                "Unused": { "type": "string" },
            } },
        });
        prune(&mut doc);
        let names: Vec<&String> = doc["components"]["schemas"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(names, ["A", "B"]);
    }
}
