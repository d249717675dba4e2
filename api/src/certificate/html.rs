//! The HTML of the verification page: server-rendered, no scripts, no
//! external resources, so it works from any phone that scans the code.

use ::certificate::Invalid;
use ::certificate::Verdict;
use chrono::NaiveDate;

use super::{NOTICE_EN, NOTICE_JA};

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn date(d: NaiveDate) -> String {
    crate::calendar::wareki(d)
}

/// Why a certificate is not genuine, in plain words (Japanese, English):
/// what the person holding the phone can do about it, not the parser's message.
fn reason(invalid: &Invalid) -> (&'static str, &'static str) {
    match invalid {
        Invalid::Algorithm | Invalid::NoKeyId | Invalid::UnknownKey | Invalid::Signature => (
            "署名を確認できませんでした。この事務局が発行した証明書ではないか、内容が書き換えられています。",
            "The signature does not match: this office did not issue this certificate, or it has been altered.",
        ),
        Invalid::StatusList(_) => (
            "この証明書の有効・無効を確認できませんでした。時間をおいて、もう一度確認してください。",
            "Whether this certificate is still in force could not be confirmed. Please try again later.",
        ),
        _ => (
            "証明書として読み取れませんでした。QRコードをもう一度読み取るか、証明書のトークンを省略せずに貼り付けてください。",
            "This could not be read as a certificate. Scan the QR code again, or paste the whole token.",
        ),
    }
}

const STYLE: &str = "body{font-family:'IPAexGothic','Noto Sans CJK JP',sans-serif;margin:0;background:#f4f5f8;color:#1b1b1b}
main{max-width:640px;margin:2rem auto;background:#fff;border:1px solid #d0d4de;border-radius:8px;padding:1.5rem 2rem}
h1{font-size:1.3rem;color:#182c5c;margin:0 0 1rem}h1 small{display:block;font-size:.8rem;color:#666;font-weight:normal}
.verdict{font-size:1.6rem;font-weight:bold;padding:.8rem 1rem;border-radius:6px;margin:1rem 0}
.VALID{background:#e3f4e6;color:#17692b;border:2px solid #17692b}
.REVOKED{background:#fff1dc;color:#8a4b00;border:2px solid #8a4b00}
.SUSPENDED{background:#eef0ff;color:#2d3a8c;border:2px solid #2d3a8c}
.INVALID{background:#fde4e4;color:#a01616;border:2px solid #a01616}
.verdict small{display:block;font-size:.85rem;font-weight:normal;margin-top:.3rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.45rem .3rem;border-bottom:1px solid #e3e5ea;vertical-align:top}
th{width:40%;color:#182c5c;font-weight:normal}th small{display:block;color:#777;font-size:.75rem}
.notice{margin-top:1.2rem;padding:.8rem;background:#f7f7f7;border-left:4px solid #182c5c;font-size:.85rem}
textarea{width:100%;min-height:6rem;font-family:monospace}button{margin-top:.5rem;padding:.4rem 1.2rem}";

/// The browser verifier, served as a file (no inline script).
pub const SCRIPT: &str = include_str!("../../assets/verify.js");
/// The service worker that keeps the page and the script for offline use.
pub const SERVICE_WORKER: &str = include_str!("../../assets/verify-sw.js");

/// The page's Content-Security-Policy: scripts, fetches and the worker only
/// from this origin (no inline script), its one inline style allowed by
/// hash, forms only to itself, no framing.
pub fn policy() -> &'static str {
    static POLICY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        use base64::Engine;
        use sha2::Digest;
        let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(STYLE));
        format!(
            "default-src 'none'; script-src 'self'; connect-src 'self'; worker-src 'self'; \
             style-src 'sha256-{hash}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        )
    });
    &POLICY
}

/// The whole page for a verdict, or the input form when there is none.
pub fn render(verdict: Option<&Verdict>) -> String {
    let body = match verdict {
        None => "<div id=\"server-form\"><p>証明書のQRコードを読み取るか、証明書のトークンを貼り付けてください。<br><small>Scan the certificate's QR code, or paste its token.</small></p>
<form method=\"get\" action=\"/verify\"><textarea name=\"c\" aria-label=\"token\"></textarea><br><button type=\"submit\">確認 / Verify</button></form></div>
<div id=\"browser-result\" aria-live=\"polite\"></div>
<p><button type=\"button\" id=\"refresh\">状態リストを更新 / Refresh the status list</button></p>".to_owned(),
        Some(verdict) => {
            let (ja, en) = match verdict {
                Verdict::Valid { .. } => ("有効", "VALID: genuine and current"),
                Verdict::Suspended { .. } => (
                    "停止中",
                    "SUSPENDED: genuine, but the registration is suspended for now",
                ),
                Verdict::Revoked { .. } => (
                    "失効",
                    "REVOKED: genuine, but revoked or replaced by a newer certificate",
                ),
                Verdict::Invalid(_) => ("無効", "INVALID: not a genuine certificate of this office"),
            };
            let mut html = format!(
                "<div class=\"verdict {result}\" id=\"result\">{ja} {result}<small>{en}</small></div>",
                result = verdict.result(),
                ja = ja,
                en = escape(en),
            );
            if let Verdict::Invalid(invalid) = verdict {
                let (ja, en) = reason(invalid);
                html.push_str(&format!(
                    "<p id=\"reason\">理由: {ja}<br><small lang=\"en\">Reason: {en}</small></p>"
                ));
            }
            if let Some(claims) = verdict.claims() {
                let f = &claims.facts;
                let rows = [
                    ("資格", "Qualification", f.qualification_name.clone()),
                    ("氏名", "Name", format!("{} {}", f.family_name, f.given_name)),
                    ("フリガナ", "Name (kana)", format!("{} {}", f.family_name_kana, f.given_name_kana)),
                    ("生年月日", "Date of birth", date(f.date_of_birth)),
                    ("国籍", "Nationality", f.nationality.clone().unwrap_or_default()),
                    ("登録番号", "Registration number", f.registration_number.clone()),
                    ("登録年月日", "Date of registration", date(f.registered_on)),
                    ("発行日", "Date of issue", date(f.issued_on)),
                    ("証明書ID", "Certificate ID", f.certificate_id.to_string()),
                    ("発行者", "Issuer", claims.issuer.clone()),
                ]
                .into_iter()
                .chain(f.endorsements.iter().map(|e| {
                    ("付記事項", "Endorsement", format!("{} ({})", e.name_ja, e.name_en))
                }));
                html.push_str("<table>");
                // No empty rows (a name in Latin script may have no kana).
                let rows = rows.filter(|(_, _, v)| !v.trim().is_empty());
                for (ja, en, value) in rows {
                    html.push_str(&format!(
                        "<tr><th>{ja}<small>{en}</small></th><td>{}</td></tr>",
                        escape(&value)
                    ));
                }
                html.push_str("</table>");
            }
            html
        }
    };
    format!(
        "<!DOCTYPE html>
<html lang=\"ja\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">
<title>資格登録証明書の確認 / Certificate verification</title><style>{STYLE}</style></head>
<body><main><h1>資格登録証明書の確認<small>Verification of a qualification registration certificate</small></h1>
{body}
<div class=\"notice\" id=\"notice\">{NOTICE_JA}<br>{NOTICE_EN}</div>
</main><script src=\"/verify.js\" defer></script></body></html>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_facts_is_escaped() {
        assert_eq!(escape("<script>\"'&"), "&lt;script&gt;&quot;&#39;&amp;");
        let page = render(Some(&Verdict::Invalid(::certificate::Invalid::NotBase64)));
        assert!(page.contains("INVALID"));
        assert!(page.contains(NOTICE_EN));
    }

    #[test]
    fn reasons_are_words_not_the_parsers_messages() {
        for invalid in [
            Invalid::NotBase64,
            Invalid::NotCose,
            Invalid::Signature,
            Invalid::UnknownKey,
            Invalid::Claims("missing 65535"),
            Invalid::StatusList("no certificate has this status index"),
        ] {
            let page = render(Some(&Verdict::Invalid(invalid.clone())));
            assert!(!page.contains(&invalid.to_string()), "{page}");
            let (ja, en) = reason(&invalid);
            assert!(page.contains(ja) && page.contains(en));
            assert!(!ja.contains("COSE") && !en.contains("COSE"));
        }
    }

    #[test]
    fn the_policy_allows_exactly_the_style_the_page_carries() {
        use base64::Engine;
        use sha2::Digest;
        let page = render(None);
        let inline = page
            .split("<style>")
            .nth(1)
            .and_then(|rest| rest.split("</style>").next())
            .unwrap();
        let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(inline));
        assert!(policy().contains(&format!("style-src 'sha256-{hash}'")));
    }
}
