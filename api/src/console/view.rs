//! What every console page shows around its content: the language, who is
//! signed in (with the sign-out form's CSRF token), the language switch.

use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, FixedOffset, Utc};

use super::i18n::{Lang, Text};
use super::session::Session;
use super::ConsoleError;

/// The signed-in examiner as the header shows them.
pub struct UserView {
    pub sub: String,
    pub role_key: &'static str,
    pub csrf: String,
}

/// The frame of every page.
pub struct Chrome {
    pub t: Text,
    pub user: Option<UserView>,
    /// The current page in the other language.
    pub lang_href: String,
}

impl Chrome {
    /// The frame for a request and its session.
    pub fn new(req: &HttpRequest, session: Option<&Session>) -> Self {
        let t = Text(Lang::of(req));
        let query: Vec<&str> = req
            .query_string()
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("lang=") && !p.starts_with("done="))
            .collect();
        let mut lang_href = format!("{}?", req.path());
        for p in query {
            lang_href.push_str(p);
            lang_href.push('&');
        }
        lang_href.push_str("lang=");
        lang_href.push_str(t.other());
        Self {
            t,
            user: session.map(|s| UserView {
                sub: s.sub.clone(),
                role_key: match s.role {
                    domain::Role::SeniorExaminer => "role_senior_examiner",
                    _ => "role_examiner",
                },
                csrf: s.csrf.clone(),
            }),
            lang_href,
        }
    }
}

/// Renders a page with a status, remembering an explicit language choice.
pub fn html(
    req: &HttpRequest,
    status: actix_web::http::StatusCode,
    page: &impl Template,
) -> Result<HttpResponse, ConsoleError> {
    let body = page.render()?;
    let mut response = HttpResponse::build(status);
    response
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Frame-Options", "DENY"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; form-action 'self'",
        ));
    if let Some(cookie) = Lang::remembered(req) {
        response.append_header(("Set-Cookie", cookie));
    }
    Ok(response.body(body))
}

/// A time as the office reads it: Japan Standard Time.
pub fn jst(at: DateTime<Utc>) -> String {
    let offset = FixedOffset::east_opt(9 * 3600).expect("JST is a valid offset");
    at.with_timezone(&offset)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A date in JST.
pub fn jst_date(at: DateTime<Utc>) -> String {
    let offset = FixedOffset::east_opt(9 * 3600).expect("JST is a valid offset");
    at.with_timezone(&offset).format("%Y-%m-%d").to_string()
}

/// One `<option>` of a select.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    /// Options for `values`, labelled in words, with `current` selected.
    pub fn list(t: &Text, values: &[&str], current: &str) -> Vec<Choice> {
        values
            .iter()
            .map(|v| Choice {
                value: (*v).to_owned(),
                label: t.get(v).to_owned(),
                selected: *v == current,
            })
            .collect()
    }
}
