//! Japanese beside English: each operation's summary and description, each
//! schema's and each tag's description get their Japanese from the tables
//! in `japanese/`. An operation or schema missing from the tables keeps its
//! English only, and the system test
//! `openapi::every_description_is_in_japanese_too` names it.

mod operations;
mod schemas;

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
}
