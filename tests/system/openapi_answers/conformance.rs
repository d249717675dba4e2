//! Holds a real answer to the schema the spec gives it: every property the
//! schema requires is there, every property there is declared, and every
//! property there is required unless the spec's generator lists it as one
//! the server may leave out (`api::spec_fields_may_be_absent`).

use serde_json::Value;

/// The answers seen and what was wrong with them.
#[derive(Default)]
pub struct Conformance {
    pub problems: Vec<String>,
    /// Schema names an answer was checked against.
    pub schemas: std::collections::BTreeSet<String>,
}

impl Conformance {
    /// Checks `body`, answered with `status` to `method path` (the path as
    /// the spec writes it), against that answer's schema in `spec`.
    pub fn check(&mut self, spec: &Value, method: &str, path: &str, status: u16, body: &Value) {
        let at = format!("{method} {path} {status}");
        let Some(op) = spec["paths"][path].get(method) else {
            self.problems.push(format!("{at}: not in the spec"));
            return;
        };
        let mut response = &op["responses"][status.to_string()];
        if let Some(shared) = response["$ref"].as_str() {
            response = spec.pointer(&shared[1..]).unwrap_or(&Value::Null);
        }
        let content = &response["content"];
        let Some((_, media)) = content
            .as_object()
            .and_then(|c| c.iter().find(|(m, _)| m.contains("json")))
        else {
            self.problems
                .push(format!("{at}: no JSON answer documented"));
            return;
        };
        self.value(spec, &media["schema"], body, &at);
    }

    fn value(&mut self, spec: &Value, schema: &Value, value: &Value, at: &str) {
        if let Some(reference) = schema["$ref"].as_str() {
            let name = reference.rsplit('/').next().unwrap_or_default();
            self.schemas.insert(name.to_owned());
            let target = spec.pointer(&reference[1..]).unwrap_or(&Value::Null);
            return self.value(spec, target, value, &format!("{at} ({name})"));
        }
        if let Some(variants) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
            if value.is_null() && variants.iter().any(|v| v["type"] == "null") {
                return;
            }
            let mapping = &schema["discriminator"]["mapping"];
            if let Some(tag) = schema["discriminator"]["propertyName"].as_str() {
                let chosen = value[tag].as_str().and_then(|t| mapping[t].as_str());
                match chosen {
                    Some(r) => self.value(spec, &serde_json::json!({ "$ref": r }), value, at),
                    None => self
                        .problems
                        .push(format!("{at}: {tag} {} is no variant", value[tag])),
                }
                return;
            }
            // The first variant that takes the value without a problem.
            for variant in variants.iter().filter(|v| v["type"] != "null") {
                let mut trial = Conformance::default();
                trial.value(spec, variant, value, at);
                if trial.problems.is_empty() {
                    self.schemas.extend(trial.schemas);
                    return;
                }
            }
            self.problems
                .push(format!("{at}: no variant takes {value}"));
            return;
        }
        let types: Vec<&str> = match &schema["type"] {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let fits = |t: &str| match t {
            "null" => value.is_null(),
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            _ => true,
        };
        if !types.is_empty() && !types.iter().any(|t| fits(t)) {
            self.problems
                .push(format!("{at}: {value} is not {types:?}"));
            return;
        }
        match value {
            Value::Object(object) => self.object(spec, schema, object, at),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.value(spec, &schema["items"], item, &format!("{at}/{i}"));
                }
            }
            _ => {}
        }
    }

    fn object(
        &mut self,
        spec: &Value,
        schema: &Value,
        object: &serde_json::Map<String, Value>,
        at: &str,
    ) {
        let Some(properties) = schema["properties"].as_object() else {
            return; // a free-form object (a map)
        };
        let required: Vec<&str> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for name in &required {
            if !object.contains_key(*name) {
                self.problems
                    .push(format!("{at}: the required {name} is missing"));
            }
        }
        let schema_name = at
            .rsplit('(')
            .next()
            .unwrap_or_default()
            .trim_end_matches(')');
        for (name, value) in object {
            let Some(property) = properties.get(name) else {
                self.problems
                    .push(format!("{at}: {name} is not in the spec"));
                continue;
            };
            let optional_on_purpose =
                api::spec_fields_may_be_absent().contains(&(schema_name, name.as_str()));
            if !required.contains(&name.as_str()) && !optional_on_purpose {
                self.problems
                    .push(format!("{at}: {name} is always sent but not required"));
            }
            self.value(spec, property, value, &format!("{at}.{name}"));
        }
    }
}
