//! How each kind of caller gets a token, as client generators read it.
//! Handlers declare `("ministry" = [scope])` when a ministry's client may
//! call them (with the scope `require_scope` checks) and `("bearer" = [])`
//! when applicants or staff may; here every `bearer` requirement gains the
//! OpenID Connect scheme those people sign in with, beside it.

use serde_json::{json, Value};

use crate::oauth::{EVENTS_READ, REGISTRATIONS_READ, WEBHOOKS_WRITE};

/// The schemes: `ministry` (OAuth 2.0 client credentials), `oidc` (the
/// office's OpenID Connect provider), `bearer` (either token as a plain
/// Bearer header, for generators that read neither) and
/// `client_secret_basic` (the token endpoint).
pub fn schemes() -> Value {
    json!({
        "ministry": {
            "type": "oauth2",
            "description": "Ministry systems: OAuth 2.0 client credentials (RFC 6749 section 4.4). Post `grant_type=client_credentials` (and optionally `scope`) to the token URL with the client's id and secret as HTTP Basic; send the access token as `Authorization: Bearer`. Tokens last ten minutes (`expires_in`); ask for a new one before then or on 401.\n\n府省システム：OAuth 2.0 クライアントクレデンシャル（RFC 6749 4.4節）。クライアントIDとシークレットを HTTP Basic で送り、トークンURLに `grant_type=client_credentials`（必要なら `scope`）を POST する。アクセストークンは `Authorization: Bearer` で送る。有効期間は10分。",
            "flows": {
                "clientCredentials": {
                    "tokenUrl": "/oauth/token",
                    "scopes": {
                        REGISTRATIONS_READ: "Read the registrations and change requests of the qualifications the ministry supervises / 所管資格の登録と変更届を読む",
                        EVENTS_READ: "Read the event feed of those qualifications / それらの資格のイベントフィードを読む",
                        WEBHOOKS_WRITE: "Manage the ministry's webhook subscriptions / 府省の Webhook 購読を管理する",
                    },
                },
            },
        },
        "oidc": {
            "type": "openIdConnect",
            "description": "Applicants and staff: a token from the office's OpenID Connect provider (the deployment's SHIKAKU_OIDC_ISSUER; its discovery document is below in production), sent as `Authorization: Bearer`. The role comes from the token.\n\n申請者と職員：事務所の OpenID Connect プロバイダが発行したトークンを `Authorization: Bearer` で送る。役割はトークンから決まる。",
            "openIdConnectUrl": "https://id.shikaku.example.jp/.well-known/openid-configuration",
        },
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "Any of the tokens above as a plain Bearer header, for generators that read neither OAuth 2.0 nor OpenID Connect (and development tokens on a development server).\n\n上記いずれかのトークンを Bearer ヘッダーで送る方式（OAuth 2.0 も OpenID Connect も読まない生成ツール向け）。",
        },
        "client_secret_basic": {
            "type": "http",
            "scheme": "basic",
            "description": "A ministry client's id and secret, at the token endpoint only.\n\n府省クライアントのIDとシークレット（トークンエンドポイントのみ）。",
        },
    })
}

/// `bearer` alone means "a person's token": list the OpenID Connect scheme
/// first, keeping `bearer` for generators that need an HTTP scheme.
pub fn complete_requirements(op: &mut Value) {
    let Some(requirements) = op.get_mut("security").and_then(Value::as_array_mut) else {
        return;
    };
    let Some(at) = requirements.iter().position(|r| r.get("bearer").is_some()) else {
        return;
    };
    if !requirements.iter().any(|r| r.get("oidc").is_some()) {
        requirements.insert(at, json!({ "oidc": [] }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_persons_token_is_an_openid_connect_token() {
        let mut op = json!({ "security": [{ "ministry": ["events:read"] }, { "bearer": [] }] });
        complete_requirements(&mut op);
        assert_eq!(
            op["security"],
            json!([{ "ministry": ["events:read"] }, { "oidc": [] }, { "bearer": [] }])
        );
        let mut ministry_only = json!({ "security": [{ "ministry": ["webhooks:write"] }] });
        complete_requirements(&mut ministry_only);
        assert_eq!(ministry_only["security"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn every_scope_a_client_can_hold_is_declared() {
        let scopes = &schemes()["ministry"]["flows"]["clientCredentials"]["scopes"];
        for scope in crate::oauth::ALL_SCOPES {
            assert!(scopes[scope].is_string(), "{scope}");
        }
    }
}
