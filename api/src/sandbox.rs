//! The built-in sandbox payment gateway: a local pay page with Pay and
//! Decline, so the whole flow runs on one machine with no payment account.
//! Development only: it answers 404 when Stripe is the gateway, and every
//! route needs the signed, expiring token of the case's checkout link.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::application::Settlement;
use crate::error::{ApiError, Problem};
use crate::AppState;

/// The token of the checkout link.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinkToken {
    /// The token of the case's checkout link (`payment.checkout_url`).
    pub token: Option<String>,
}

/// Refuses (404, as if the case did not exist) a request without a valid link token.
fn check_link(state: &AppState, id: Uuid, token: &LinkToken) -> Result<(), ApiError> {
    let signer = state.sandbox.as_ref().ok_or(ApiError::NotFound)?;
    match token.token.as_deref() {
        Some(t) if signer.verify(&id.to_string(), t) => Ok(()),
        _ => Err(ApiError::NotFound),
    }
}

/// What the sandbox recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxOutcome {
    pub case_id: Uuid,
    /// PAID or DECLINED.
    pub payment_status: &'static str,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The sandbox checkout page of a case.
#[utoipa::path(
    operation_id = "sandbox_checkout_page",
    tag = "sandbox",
    security(()),
    params(("id" = Uuid, Path, description = "The case id"), LinkToken),
    responses(
        (status = 200, description = "HTML page with Pay and Decline", content_type = "text/html"),
        (status = 404, description = "No such case, no valid link token, or not the development sandbox", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sandbox/payments/{id}")]
pub async fn page(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    token: web::Query<LinkToken>,
) -> Result<HttpResponse, ApiError> {
    check_link(&state, *id, &token)?;
    let case = state.use_cases().payable(*id).await?;
    let token = escape(token.token.as_deref().unwrap_or_default());
    // People read this page: in Japanese and English, as the portal is.
    let status = if case.examination.paid {
        "納付済み / Paid"
    } else if case.examination.payment_declined {
        "決済できませんでした。もう一度お試しいただけます / Declined; you may try again"
    } else {
        "お支払い待ち / Awaiting payment"
    };
    let html = format!(
        r#"<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>手数料のお支払い（試験用） / Sandbox payment</title>
<style>body{{font-family:sans-serif;max-width:32rem;margin:3rem auto}}button{{font-size:1.1rem;margin-right:1rem}}</style>
</head><body>
<h1>手数料のお支払い（試験用） / <span lang="en">Sandbox payment</span></h1>
<p>試験用の決済画面です。実際のお金は動きません。 / <span lang="en">This is the built-in sandbox gateway: no money moves.</span></p>
<p>申請番号 / <span lang="en">Case</span> <code>{id}</code>（{qual}）</p>
<p>金額 / <span lang="en">Amount</span>: <strong id="amount">{amount} 円 (JPY)</strong></p>
<p>状況 / <span lang="en">Status</span>: <strong id="status">{status}</strong></p>
<form method="post" action="/sandbox/payments/{id}/pay?token={token}"><button id="pay">支払う / <span lang="en">Pay</span></button></form>
<form method="post" action="/sandbox/payments/{id}/decline?token={token}"><button id="decline">支払わない / <span lang="en">Decline</span></button></form>
<p><a href="/portal">マイページに戻る / <span lang="en">Back to my page</span></a></p>
</body></html>"#,
        id = id,
        // The qualification in words, never its code.
        qual = escape(
            &state
                .catalogue
                .qualification(&case.qualification_code)
                .map(|q| format!("{} / {}", q.name_ja, q.name_en))
                .unwrap_or_default()
        ),
        amount = case.examination.fee.total(),
        status = status,
        token = token,
    );
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}

async fn record(
    state: &AppState,
    req: &HttpRequest,
    id: Uuid,
    settle: bool,
) -> Result<HttpResponse, ApiError> {
    let settlement = if settle {
        Settlement::Paid
    } else {
        Settlement::Declined
    };
    let reference = format!("sandbox-{id}");
    state
        .use_cases()
        .settle("sandbox-gateway", id, reference, settlement)
        .await?;
    let payment_status = if settle { "PAID" } else { "DECLINED" };
    let token = req.query_string();
    let wants_html = req
        .headers()
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if wants_html {
        return Ok(HttpResponse::SeeOther()
            .insert_header(("Location", format!("/sandbox/payments/{id}?{token}")))
            .finish());
    }
    Ok(HttpResponse::Ok().json(SandboxOutcome {
        case_id: id,
        payment_status,
    }))
}

/// Pays the fee in the sandbox. Paying twice changes nothing.
#[utoipa::path(
    operation_id = "pay_in_sandbox",
    tag = "sandbox",
    security(()),
    params(("id" = Uuid, Path, description = "The case id"), LinkToken),
    responses(
        (status = 200, description = "Payment recorded", body = SandboxOutcome),
        (status = 303, description = "Back to the page (browsers)"),
        (status = 404, description = "No such case, no valid link token, or not the development sandbox", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not awaiting payment", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/sandbox/payments/{id}/pay")]
pub async fn pay(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    token: web::Query<LinkToken>,
) -> Result<HttpResponse, ApiError> {
    check_link(&state, *id, &token)?;
    record(&state, &req, id.into_inner(), true).await
}

/// Declines the payment in the sandbox; the case keeps awaiting payment.
#[utoipa::path(
    operation_id = "decline_in_sandbox",
    tag = "sandbox",
    security(()),
    params(("id" = Uuid, Path, description = "The case id"), LinkToken),
    responses(
        (status = 200, description = "Decline recorded", body = SandboxOutcome),
        (status = 303, description = "Back to the page (browsers)"),
        (status = 404, description = "No such case, no valid link token, or not the development sandbox", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not awaiting payment", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "Internal error", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/sandbox/payments/{id}/decline")]
pub async fn decline(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    token: web::Query<LinkToken>,
) -> Result<HttpResponse, ApiError> {
    check_link(&state, *id, &token)?;
    record(&state, &req, id.into_inner(), false).await
}
