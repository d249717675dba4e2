//! Stripe events: the signature check of Stripe's callbacks (`Stripe-Signature: t=..,v1=..`,
//! HMAC-SHA256 over `t.body`, 300 s tolerance), the inbox every delivery is
//! stored in before Stripe gets its 2xx, and the job that acts on it.

use async_trait::async_trait;
use chrono::Utc;
use domain::examination::{CaseStatus, ExaminationCommand};
use domain::payment::PaymentCommand;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use sqlx::PgPool;

use super::gateway::SessionState;
use crate::cases::{CaseJobs, Cases};
use crate::job_kind::{JobArgs, Work};
use crate::jobs::{enqueue, Job};
use crate::worker::JobError;
use crate::WorkerError;
use domain::CaseKind;

/// Acts on one stored Stripe event: `stripe.event`, keyed by the event id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActOnStripeEvent {
    pub event_id: String,
}

impl JobArgs for ActOnStripeEvent {
    const KIND: &'static str = "stripe.event";
}
/// Seconds a signature's timestamp may be away from now.
pub const TOLERANCE_SECONDS: i64 = 300;

/// Why a delivery was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("the Stripe-Signature header is missing or malformed")]
    Malformed,
    #[error("no v1 signature matches")]
    Mismatch,
    #[error("the signature's timestamp is outside the tolerance")]
    Expired,
}

/// Checks a `Stripe-Signature` header over the raw body at time `now`.
pub fn verify_signature(
    body: &[u8],
    header: &str,
    secret: &str,
    now: i64,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => candidates.push(v),
            _ => {}
        }
    }
    let t = timestamp.ok_or(SignatureError::Malformed)?;
    if candidates.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let matches = candidates
        .iter()
        .filter_map(|c| hex::decode(c).ok())
        .any(|sig| mac.clone().verify_slice(&sig).is_ok());
    if !matches {
        return Err(SignatureError::Mismatch);
    }
    if (now - t).abs() > TOLERANCE_SECONDS {
        return Err(SignatureError::Expired);
    }
    Ok(())
}

/// Stores a verified delivery and, the first time, the job that acts on it,
/// in one transaction. Returns false for a duplicate delivery.
pub async fn receive(
    pool: &PgPool,
    event_id: &str,
    event_type: &str,
    payload: &serde_json::Value,
) -> Result<bool, WorkerError> {
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO stripe_inbox (event_id, event_type, payload) VALUES ($1, $2, $3)
         ON CONFLICT (event_id) DO NOTHING",
    )
    .bind(event_id)
    .bind(event_type)
    .bind(payload)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if inserted {
        let args = ActOnStripeEvent {
            event_id: event_id.to_owned(),
        };
        enqueue(&mut tx, args.job(event_id)?).await?;
    }
    tx.commit().await?;
    Ok(inserted)
}

#[derive(Deserialize)]
struct StripeEvent {
    #[serde(rename = "type")]
    event_type: String,
    data: EventData,
}

#[derive(Deserialize)]
struct EventData {
    object: SessionObject,
}

#[derive(Deserialize)]
struct SessionObject {
    id: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    payment_status: Option<String>,
    #[serde(default)]
    amount_total: Option<i64>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    payment_intent: Option<serde_json::Value>,
    #[serde(default)]
    client_reference_id: Option<String>,
    #[serde(default)]
    metadata: Option<std::collections::HashMap<String, String>>,
}

impl SessionObject {
    fn state(self) -> SessionState {
        let meta = self.metadata.unwrap_or_default();
        SessionState {
            session_id: self.id,
            case_id: meta.get("case_id").cloned().or(self.client_reference_id),
            case_type: meta.get("case_type").cloned(),
            status: self.status.unwrap_or_default(),
            payment_status: self.payment_status.unwrap_or_default(),
            amount_total: self.amount_total,
            currency: self.currency,
            // Expanded or not, the payment intent's id.
            payment_intent: self.payment_intent.and_then(|p| match p {
                serde_json::Value::String(s) => Some(s),
                other => other.get("id").and_then(|v| v.as_str()).map(str::to_owned),
            }),
        }
    }
}

/// Settles a paid session's case when amount and currency match the fee;
/// otherwise flags the case for an examiner. The webhook and reconciliation
/// both come here.
pub async fn settle(cases: &Cases, session: &SessionState) -> Result<(), JobError> {
    let (Some(case_id), Some(case_type)) = (
        session.case_id.as_deref(),
        session.case_type.as_deref().and_then(CaseKind::from_key),
    ) else {
        return Err(JobError::Permanent(format!(
            "session {} names no case of this office",
            session.session_id
        )));
    };
    let Some(exam) = cases.examination_of(case_type, case_id).await? else {
        return Err(JobError::Permanent(format!(
            "session {} names an unknown case",
            session.session_id
        )));
    };
    if exam.paid {
        return Ok(());
    }
    let amount = session.amount_total.unwrap_or(0);
    let currency = session.currency.clone().unwrap_or_default();
    let matches = amount == exam.fee.total() && currency.eq_ignore_ascii_case("jpy");
    let command = if matches && exam.status == CaseStatus::AwaitingPayment {
        ExaminationCommand::SettlePayment {
            payment_reference: session
                .payment_intent
                .clone()
                .unwrap_or_else(|| session.session_id.clone()),
            amount,
            at: Utc::now(),
        }
    } else {
        // The wrong amount, or money for a case no longer awaiting it: an
        // examiner must look (and refund by hand); it is never recorded as paid.
        ExaminationCommand::Payment(PaymentCommand::FlagMismatch {
            session_id: session.session_id.clone(),
            amount,
            currency,
            at: Utc::now(),
        })
    };
    cases.record(case_type, case_id, command, "stripe").await
}

/// Records that a session expired unpaid, so a fresh one is opened.
pub async fn expire(cases: &Cases, session: &SessionState) -> Result<(), JobError> {
    let (Some(case_id), Some(case_type)) = (
        session.case_id.as_deref(),
        session.case_type.as_deref().and_then(CaseKind::from_key),
    ) else {
        return Ok(());
    };
    let command = ExaminationCommand::Payment(PaymentCommand::ExpireCheckout {
        session_id: session.session_id.clone(),
        at: Utc::now(),
    });
    cases.record(case_type, case_id, command, "stripe").await
}

/// Acts on a stored Stripe event.
pub struct StripeEventHandler {
    pub pool: PgPool,
    pub cases: Cases,
}

#[async_trait]
impl Work for StripeEventHandler {
    type Args = ActOnStripeEvent;

    async fn work(&self, args: ActOnStripeEvent, _job: &Job) -> Result<(), JobError> {
        let payload: serde_json::Value =
            sqlx::query_scalar("SELECT payload FROM stripe_inbox WHERE event_id = $1")
                .bind(&args.event_id)
                .fetch_one(&self.pool)
                .await
                .map_err(JobError::retry)?;
        let event: StripeEvent = match serde_json::from_value(payload) {
            Ok(e) => e,
            // Not a Checkout Session event: nothing of ours.
            Err(_) => return Ok(()),
        };
        let session = event.data.object.state();
        match event.event_type.as_str() {
            "checkout.session.completed" if session.payment_status == "paid" => {
                settle(&self.cases, &session).await
            }
            "checkout.session.async_payment_succeeded" => settle(&self.cases, &session).await,
            "checkout.session.expired" => expire(&self.cases, &session).await,
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(body: &str, secret: &str, t: i64) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{t}.{body}").as_bytes());
        format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
    }

    #[test]
    fn signatures_are_checked_with_tolerance() {
        let now = 1_700_000_000;
        let h = header("{}", "whsec_x", now);
        assert_eq!(verify_signature(b"{}", &h, "whsec_x", now + 300), Ok(()));
        assert_eq!(
            verify_signature(b"{}", &h, "whsec_x", now + 301),
            Err(SignatureError::Expired)
        );
        assert_eq!(
            verify_signature(b"{ }", &h, "whsec_x", now),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(b"{}", &h, "whsec_y", now),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(b"{}", "v1=abc", "whsec_x", now),
            Err(SignatureError::Malformed)
        );
        let two = format!("{},v1=00ff", h);
        assert_eq!(verify_signature(b"{}", &two, "whsec_x", now), Ok(()));
    }
}
