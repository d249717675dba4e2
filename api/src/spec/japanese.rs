//! Japanese beside English: each operation's summary and description, each
//! schema's and each tag's description get their Japanese from the tables
//! in `japanese/`, and every other description (properties, parameters,
//! request bodies, answers, headers, webhooks) from `japanese/texts/`, by
//! its English. A text missing from the tables keeps its English only, and
//! the system test `openapi::every_description_is_in_japanese_too` names it.

mod operations;
mod schemas;
mod texts;

use serde_json::Value;

/// Whether `text` holds Japanese (kana or CJK ideographs).
pub fn has_japanese(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c as u32,
            0x3040..=0x30FF // hiragana, katakana
            | 0x3400..=0x4DBF // CJK extension A
            | 0x4E00..=0x9FFF) // CJK unified ideographs
    })
}

/// `en` followed by `ja` on its own paragraph (unless already there).
fn beside(en: Option<&str>, ja: &str, separator: &str) -> Value {
    match en {
        Some(en) if has_japanese(en) => Value::from(en),
        Some(en) if !en.is_empty() => Value::from(format!("{en}{separator}{ja}")),
        _ => Value::from(ja),
    }
}

fn lookup<'a>(table: &[(&str, &'a str)], key: &str) -> Option<&'a str> {
    table.iter().find(|(k, _)| *k == key).map(|(_, ja)| *ja)
}

/// Adds the Japanese of one operation (found by its operationId).
pub fn complete_operation(op: &mut Value) {
    let Some(ja) = op["operationId"]
        .as_str()
        .and_then(|id| lookup(operations::OPERATIONS, id))
    else {
        return;
    };
    for (field, separator) in [("summary", " / "), ("description", "\n\n")] {
        let text = beside(op[field].as_str(), ja, separator);
        op[field] = text;
    }
}

/// Adds the Japanese of the schemas and tags.
pub fn complete(doc: &mut Value) {
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        for (name, schema) in schemas.iter_mut() {
            if let Some(ja) = lookup(schemas::SCHEMAS, name) {
                let text = beside(schema["description"].as_str(), ja, "\n\n");
                schema["description"] = text;
            }
        }
    }
    for tag in doc["tags"].as_array_mut().into_iter().flatten() {
        if let Some(ja) = tag["name"].as_str().and_then(|n| lookup(schemas::TAGS, n)) {
            let text = beside(tag["description"].as_str(), ja, " / ");
            tag["description"] = text;
        }
    }
    let info = beside(
        doc["info"]["description"].as_str(),
        "国家資格の登録事務所の業務システム：申請、審査、登録簿。",
        "\n\n",
    );
    doc["info"]["description"] = info;
    complete_descriptions(doc);
}

/// Puts the Japanese beside every other English description, wherever it
/// is. Examples are data, not descriptions: a `description` in them stays.
fn complete_descriptions(value: &mut Value) {
    match value {
        Value::Object(object) => {
            for (key, child) in object.iter_mut() {
                match (key.as_str(), child.as_str()) {
                    ("example" | "examples", _) => {}
                    ("description", Some(en)) => {
                        if let Some(ja) = texts::japanese_of(en) {
                            // One line reads as "English / 日本語"; a paragraph
                            // gets its Japanese as the next paragraph.
                            let separator = if en.contains('\n') { "\n\n" } else { " / " };
                            *child = beside(Some(en), ja, separator);
                        }
                    }
                    _ => complete_descriptions(child),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(complete_descriptions),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn japanese_goes_beside_the_english_once() {
        assert!(has_japanese("登録"));
        assert!(has_japanese("カナ"));
        assert!(!has_japanese("Registration (APPROVED)"));
        let mut op = json!({ "operationId": "livez", "summary": "The process is up.", "description": "The process is up." });
        complete_operation(&mut op);
        complete_operation(&mut op);
        assert_eq!(
            op["summary"],
            "The process is up. / プロセスが稼働しているか"
        );
        assert_eq!(
            op["description"],
            "The process is up.\n\nプロセスが稼働しているか"
        );
    }

    #[test]
    fn every_description_gets_its_japanese_but_examples_stay() {
        let mut doc = json!({
            "paths": { "/v1/cases/{id}": { "get": {
                "parameters": [{ "name": "id", "description": "The case id" }],
                "responses": { "200": {
                    "description": "The case",
                    "headers": { "Cache-Control": { "description": "no-store" } },
                    "content": { "application/json": {
                        "example": { "description": "The case" }
                    } }
                } }
            } } },
            "components": { "schemas": { "Page": { "properties": { "next_cursor": {
                "description": "Pass as `cursor` for the next page; absent on the last page."
            } } } } }
        });
        complete(&mut doc);
        complete(&mut doc);
        let get = &doc["paths"]["/v1/cases/{id}"]["get"];
        assert_eq!(get["parameters"][0]["description"], "The case id / 案件 ID");
        let ok = &get["responses"]["200"];
        assert_eq!(ok["description"], "The case / 案件");
        assert_eq!(
            ok["headers"]["Cache-Control"]["description"],
            "no-store / 保存しない"
        );
        assert_eq!(
            ok["content"]["application/json"]["example"]["description"],
            "The case"
        );
        let cursor = &doc["components"]["schemas"]["Page"]["properties"]["next_cursor"];
        assert!(
            cursor["description"]
                .as_str()
                .unwrap()
                .ends_with(" / 次のページを得るには `cursor` に渡す。最後のページにはない。"),
            "{cursor}"
        );
        let paragraph = "Newest first\nand more";
        let mut doc = json!({ "description": paragraph });
        complete(&mut doc);
        assert_eq!(
            doc["description"], paragraph,
            "not in a table: English only"
        );
    }
}
