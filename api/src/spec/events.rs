//! The feed item typed per event type (a union discriminated by `type`) and
//! the OAS 3.1 `webhooks` a ministry receives, one per type. The facts of
//! each type are those `views::feed::public_items` writes; the system test
//! `feed::a_ministry_follows_its_qualifications_without_personal_data` checks real items against these.

use serde_json::{json, Map, Value};

const SCHEMAS: &str = "#/components/schemas/";

/// (type, when it happens, the same in Japanese, the properties of its `data`).
fn types() -> Vec<(&'static str, &'static str, &'static str, Value)> {
    let uuid = |d: &str| json!({ "type": "string", "format": "uuid", "description": d });
    let request = uuid("The change request that did it");
    let certificate = uuid("The certificate");
    let sanction = uuid("The sanction case that did it");
    vec![
        (
            "APPLICATION_SUBMITTED",
            "An application was filed",
            "申請が提出された",
            json!({
                "channel": { "$ref": format!("{SCHEMAS}Channel") },
            }),
        ),
        (
            "APPLICATION_REJECTED",
            "An application was rejected",
            "申請が却下された",
            json!({
                "reason_code": { "type": "string", "description": "The rejection's reason code" },
            }),
        ),
        (
            "APPLICATION_WITHDRAWN",
            "The applicant withdrew the application",
            "申請者が申請を取り下げた",
            json!({}),
        ),
        (
            "REGISTERED",
            "The application was approved: the holder is registered",
            "申請が承認され、登録された",
            json!({
                "registered_on": { "type": "string", "format": "date" },
                "valid_until": { "type": ["string", "null"], "format": "date", "description": "The last day the registration is valid; null when its qualification sets no validity period" },
            }),
        ),
        (
            "REGISTRATION_IMPORTED",
            "A registration was taken over from the paper register",
            "紙の登録簿から登録を引き継いだ",
            json!({
                "registered_on": { "type": "string", "format": "date" },
            }),
        ),
        (
            "CHANGE_REQUEST_FILED",
            "The holder filed a change request",
            "登録者が変更届を提出した",
            json!({
                "change_request_id": request,
                "kind": { "$ref": format!("{SCHEMAS}ChangeKind") },
            }),
        ),
        (
            "REGISTERED_MATTERS_CHANGED",
            "Registered matters changed (their names, never their values)",
            "登録事項が変更された（値ではなく事項の名前のみ）",
            json!({
                "change_request_id": request,
                "changed_matters": {
                    "type": "array",
                    "items": { "type": "string", "enum": [
                        "family_name", "given_name", "family_name_kana", "given_name_kana",
                        "address", "registered_domicile",
                    ] },
                },
            }),
        ),
        (
            "REGISTRATION_DELETED",
            "The registration was deleted",
            "登録が削除された",
            json!({
                "change_request_id": request,
                "reason": { "$ref": format!("{SCHEMAS}DeletionReason") },
            }),
        ),
        (
            "CERTIFICATE_ISSUED",
            "A digital certificate was issued",
            "デジタル登録証が発行された",
            json!({
                "certificate_id": certificate,
            }),
        ),
        (
            "CERTIFICATE_REVOKED",
            "A digital certificate was revoked",
            "デジタル登録証が失効した",
            json!({
                "certificate_id": certificate,
                "reason": { "type": "string", "enum": [
                    "MATTERS_CHANGED", "REISSUE_REQUESTED", "REGISTRATION_DELETED", "SUPERSEDED",
                    "REGISTRATION_REVOKED", "ENDORSEMENTS_CHANGED",
                ] },
            }),
        ),
        (
            "REGISTRATION_SUSPENDED",
            "A sanction suspended the registration for a period",
            "処分により登録が一定期間停止された",
            json!({
                "sanction_id": sanction,
                "from": { "type": "string", "format": "date", "description": "The first day suspended" },
                "until": { "type": "string", "format": "date", "description": "The day it lifts (at 00:00 in Japan)" },
            }),
        ),
        (
            "SUSPENSION_LIFTED",
            "The suspension ended at its end date",
            "停止期間が満了し停止が解除された",
            json!({
                "sanction_id": sanction,
            }),
        ),
        (
            "REGISTRATION_REVOKED",
            "A sanction revoked the registration",
            "処分により登録が取り消された",
            json!({
                "sanction_id": sanction,
                "on": { "type": "string", "format": "date", "description": "The day it took effect" },
                "barred_until": { "type": ["string", "null"], "format": "date", "description": "The first day the holder may be registered again in this qualification; null when its Act sets no bar" },
            }),
        ),
        (
            "REGISTRATION_RENEWED",
            "An approved renewal extended the registration's validity (and revived it if it had expired)",
            "更新申請が承認され、登録の有効期間が延長された（期限切れであれば有効に戻った）",
            json!({
                "change_request_id": request,
                "previous_valid_until": { "type": ["string", "null"], "format": "date", "description": "The last valid day before the renewal" },
                "valid_until": { "type": "string", "format": "date", "description": "The new last valid day" },
            }),
        ),
        (
            "REGISTRATION_EXPIRED",
            "The registration's validity ended without a renewal: it reads EXPIRED and its certificates SUSPENDED until renewed",
            "更新されないまま有効期間が満了し、登録は期限切れ（登録証は一時停止）となった。更新により有効に戻る",
            json!({
                "valid_until": { "type": "string", "format": "date", "description": "The last day it was valid" },
            }),
        ),
        (
            "ENDORSEMENT_ADDED",
            "An approved ENDORSEMENT request added an endorsement",
            "付記事項が追加された",
            endorsement(&request),
        ),
        (
            "ENDORSEMENT_REMOVED",
            "An approved ENDORSEMENT request removed an endorsement",
            "付記事項が削除された",
            endorsement(&request),
        ),
    ]
}

/// The facts of an endorsement item: the request, the code and the names.
fn endorsement(request: &Value) -> Value {
    json!({
        "change_request_id": request,
        "code": { "type": "string", "description": "The catalogue's code of the endorsement" },
        "name_ja": { "type": "string", "description": "Its Japanese name when the request was filed" },
        "name_en": { "type": "string", "description": "Its English name when the request was filed" },
    })
}

/// `REGISTERED_MATTERS_CHANGED` -> `RegisteredMattersChanged`.
fn camel(word: &str) -> String {
    word.split('_')
        .map(|w| w[..1].to_owned() + &w[1..].to_ascii_lowercase())
        .collect()
}

/// Adds the per-type schemas, makes `FeedEventView` their union and adds
/// the `webhooks`.
pub fn complete(doc: &mut Value) {
    let Some(view) = doc["components"]["schemas"].get("FeedEventView").cloned() else {
        return;
    };
    let schemas = &mut doc["components"]["schemas"];
    let mut variants = Vec::new();
    let mut mapping = Map::new();
    let mut webhooks = Map::new();
    for (event_type, meaning, ja, data) in types() {
        let name = camel(event_type);
        let required: Vec<&String> = data
            .as_object()
            .map(|d| d.keys().collect())
            .unwrap_or_default();
        schemas[format!("{name}Data")] = json!({
            "type": "object",
            "description": format!("The facts of {event_type}\n\n{event_type} の事実"),
            "properties": data,
            "required": required,
        });
        let mut event = view.clone();
        event["description"] = json!(format!("{meaning} ({event_type})\n\n{ja}"));
        event["properties"]["type"] = json!({ "type": "string", "enum": [event_type] });
        event["properties"]["data"] = json!({ "$ref": format!("{SCHEMAS}{name}Data") });
        let reference = format!("{SCHEMAS}{name}Event");
        schemas[format!("{name}Event")] = event;
        variants.push(json!({ "$ref": reference }));
        mapping.insert(event_type.into(), json!(reference));
        schemas[format!("{name}Message")] = message(event_type, meaning, ja, &reference);
        webhooks.insert(event_type.into(), webhook(event_type, meaning, ja, &name));
    }
    schemas["FeedEventView"] = json!({
        "description": view["description"],
        "oneOf": variants,
        "discriminator": { "propertyName": "type", "mapping": mapping },
    });
    schemas["WebhookTestData"] = json!({
        "type": "object",
        "description": "The facts of WEBHOOK_TEST: the subscription tested\n\nWEBHOOK_TEST の事実：テストした購読",
        "properties": { "subscription_id": { "type": "string", "format": "uuid" } },
        "required": ["subscription_id"],
    });
    schemas["WebhookTestMessage"] = message(
        "WEBHOOK_TEST",
        "A test message asked for with POST /v1/webhook-subscriptions/{id}/test",
        "POST /v1/webhook-subscriptions/{id}/test で求めたテストメッセージ",
        &format!("{SCHEMAS}WebhookTestData"),
    );
    webhooks.insert(
        "WEBHOOK_TEST".into(),
        webhook(
            "WEBHOOK_TEST",
            "A test message asked for by the ministry",
            "府省が求めたテストメッセージ",
            "WebhookTest",
        ),
    );
    // Each webhook is a `$ref` to a path item in the components: OpenAPI
    // Generator 7 then skips them (inline, it writes uncompilable Python for
    // them) and still generates their message models.
    let mut refs = Map::new();
    for (event_type, item) in webhooks {
        let name = format!("{}Webhook", camel(&event_type));
        refs.insert(
            event_type,
            json!({ "$ref": format!("#/components/pathItems/{name}") }),
        );
        doc["components"]["pathItems"][name] = item;
    }
    doc["webhooks"] = Value::Object(refs);
}

/// The Standard Webhooks envelope of one type.
fn message(event_type: &str, meaning: &str, ja: &str, data: &str) -> Value {
    json!({
        "type": "object",
        "description": format!("The webhook message of {event_type}: {meaning}\n\n{event_type} の Webhook メッセージ：{ja}"),
        "properties": {
            "type": { "type": "string", "enum": [event_type] },
            "timestamp": { "type": "string", "format": "date-time", "description": "When the office recorded the fact" },
            "data": { "$ref": data },
        },
        "required": ["type", "timestamp", "data"],
    })
}

fn webhook(event_type: &str, meaning: &str, ja: &str, name: &str) -> Value {
    let header = |name: &str, description: &str| json!({ "name": name, "in": "header", "required": true, "description": description, "schema": { "type": "string" } });
    json!({ "post": {
        "operationId": format!("receive_{}", event_type.to_ascii_lowercase()),
        "summary": format!("{meaning} ({event_type}) / {ja}"),
        "description": format!("Sent to each webhook subscription of a supervising ministry that chose {event_type}, signed the Standard Webhooks way: verify webhook-signature over `webhook-id.webhook-timestamp.body` with the subscription's secret before trusting it. Retried with backoff until a 2xx; the same webhook-id on every retry.\n\n{event_type} を選んだ所管府省の各 Webhook 購読に Standard Webhooks 方式で署名して送る。信頼する前に、購読のシークレットで `webhook-id.webhook-timestamp.body` に対する webhook-signature を検証すること。2xx が返るまで間隔を空けて再送し、再送でも webhook-id は同じ。"),
        "tags": ["ministry integration"],
        "security": [],
        "parameters": [
            header("webhook-id", "The message's id (the feed item's id for events): deduplicate on it"),
            header("webhook-timestamp", "Unix seconds when it was sent"),
            header("webhook-signature", "`v1,<base64 HMAC-SHA256>` of `webhook-id.webhook-timestamp.body`"),
        ],
        "requestBody": {
            "required": true,
            "content": { "application/json": { "schema": { "$ref": format!("{SCHEMAS}{name}Message") } } },
        },
        "responses": {
            "200": { "description": "Received: any 2xx stops the retries" },
        },
    } })
}
