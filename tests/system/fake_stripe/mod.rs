//! A local stand-in for Stripe's API: answers in Stripe's object shapes and
//! records what it received (form parameters, Idempotency-Key), so tests can
//! check exactly what the payment worker sent. Sessions are keyed by the
//! Idempotency-Key, as Stripe does, so a retried request finds its session.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub idempotency_key: Option<String>,
    pub authorization: Option<String>,
    /// The decoded form parameters.
    pub form: HashMap<String, String>,
}

#[derive(Default)]
struct State {
    received: Vec<Received>,
    /// Sessions by id.
    sessions: HashMap<String, Value>,
    /// Session id by Idempotency-Key.
    by_key: HashMap<String, String>,
    refunds: HashMap<String, Value>,
    /// Create-session requests to hold (never answer) before answering normally.
    hang_creates: usize,
}

/// The running fake.
#[derive(Clone)]
pub struct FakeStripe {
    pub base: String,
    state: Arc<Mutex<State>>,
}

fn decode(s: &str) -> String {
    let bytes = s.replace('+', " ").into_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn parse_form(body: &str) -> HashMap<String, String> {
    body.split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

/// A Checkout Session in Stripe's shape.
pub fn session_object(id: &str, form: &HashMap<String, String>, url: &str) -> Value {
    let amount: i64 = form
        .get("line_items[0][price_data][unit_amount]")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let metadata: HashMap<String, String> = form
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("metadata[")
                .and_then(|k| k.strip_suffix(']'))
                .map(|k| (k.to_owned(), v.clone()))
        })
        .collect();
    json!({
        "id": id,
        "object": "checkout.session",
        "amount_subtotal": amount,
        "amount_total": amount,
        "automatic_tax": {"enabled": false, "liability": null, "provider": null, "status": null},
        "cancel_url": form.get("cancel_url"),
        "client_reference_id": form.get("client_reference_id"),
        "created": 1_763_900_000,
        "currency": form.get("line_items[0][price_data][currency]"),
        "custom_fields": [],
        "custom_text": {"after_submit": null, "shipping_address": null, "submit": null, "terms_of_service_acceptance": null},
        "expires_at": 1_763_986_400,
        "livemode": false,
        "metadata": metadata,
        "mode": "payment",
        "payment_intent": null,
        "payment_method_types": ["card"],
        "payment_status": "unpaid",
        "shipping_options": [],
        "status": "open",
        "success_url": form.get("success_url"),
        "url": url,
    })
}

async fn handle(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<Arc<Mutex<State>>>,
) -> HttpResponse {
    let body = String::from_utf8_lossy(&body).into_owned();
    let received = Received {
        method: req.method().to_string(),
        path: req.path().to_owned(),
        idempotency_key: req
            .headers()
            .get("idempotency-key")
            .map(|v| v.to_str().unwrap().to_owned()),
        authorization: req
            .headers()
            .get("authorization")
            .map(|v| v.to_str().unwrap().to_owned()),
        form: parse_form(&body),
    };
    let hang = {
        let mut s = state.lock().unwrap();
        s.received.push(received.clone());
        let hang = received.path == "/v1/checkout/sessions" && s.hang_creates > 0;
        if hang {
            s.hang_creates -= 1;
        }
        hang
    };
    if hang {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    let mut s = state.lock().unwrap();
    match (received.method.as_str(), received.path.as_str()) {
        ("POST", "/v1/checkout/sessions") => {
            let key = received.idempotency_key.clone().unwrap_or_default();
            if let Some(id) = s.by_key.get(&key).cloned() {
                return HttpResponse::Ok().json(&s.sessions[&id]);
            }
            let id = format!("cs_test_{}", s.sessions.len() + 1);
            let url = format!("https://checkout.stripe.test/c/pay/{id}");
            let session = session_object(&id, &received.form, &url);
            s.by_key.insert(key, id.clone());
            s.sessions.insert(id, session.clone());
            HttpResponse::Ok().json(session)
        }
        ("GET", path) if path.starts_with("/v1/checkout/sessions/") => {
            let id = path.trim_start_matches("/v1/checkout/sessions/");
            match s.sessions.get(id) {
                Some(session) => HttpResponse::Ok().json(session),
                None => not_found(),
            }
        }
        ("POST", "/v1/refunds") => {
            let key = received.idempotency_key.clone().unwrap_or_default();
            if let Some(r) = s.refunds.get(&key) {
                return HttpResponse::Ok().json(r);
            }
            let id = format!("re_test_{}", s.refunds.len() + 1);
            let amount: i64 = received.form["amount"].parse().unwrap();
            let refund = json!({
                "id": id, "object": "refund", "amount": amount, "created": 1_763_900_100,
                "currency": "jpy", "metadata": {}, "status": "succeeded",
                "payment_intent": received.form.get("payment_intent"),
            });
            s.refunds.insert(key, refund.clone());
            HttpResponse::Ok().json(refund)
        }
        _ => not_found(),
    }
}

fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .json(json!({"error": {"type": "invalid_request_error", "message": "No such object"}}))
}

impl FakeStripe {
    /// Starts the fake on a free port.
    pub fn start() -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let data = web::Data::new(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(handle))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let port = server.addrs()[0].port();
        tokio::spawn(server.run());
        Self {
            base: format!("http://127.0.0.1:{port}/"),
            state,
        }
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// Requests to create a Checkout Session.
    pub fn creates(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path == "/v1/checkout/sessions")
            .collect()
    }

    /// How many sessions exist.
    pub fn session_count(&self) -> usize {
        self.state.lock().unwrap().sessions.len()
    }

    /// A session as Stripe would return it.
    pub fn session(&self, id: &str) -> Value {
        self.state.lock().unwrap().sessions[id].clone()
    }

    /// Marks a session paid (as if the applicant paid and no webhook came).
    pub fn pay(&self, id: &str, payment_intent: &str) -> Value {
        let mut s = self.state.lock().unwrap();
        let session = s.sessions.get_mut(id).unwrap();
        session["payment_status"] = json!("paid");
        session["status"] = json!("complete");
        session["payment_intent"] = json!(payment_intent);
        session.clone()
    }

    /// Marks a session paid with `amount` (yen), as Stripe would report it
    /// to the webhook and to the reconciliation alike.
    pub fn pay_amount(&self, id: &str, payment_intent: &str, amount: i64) -> Value {
        self.pay(id, payment_intent);
        let mut s = self.state.lock().unwrap();
        let session = s.sessions.get_mut(id).unwrap();
        session["amount_total"] = json!(amount);
        session.clone()
    }

    /// Holds the next `n` create-session requests unanswered.
    pub fn hang_creates(&self, n: usize) {
        self.state.lock().unwrap().hang_creates = n;
    }
}
