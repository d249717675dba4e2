//! The HTTP API: handlers, authentication, problem+json errors and the
//! OpenAPI document, which is generated from the handlers registered here.

mod access_log;
pub mod application;
mod attachment;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod case;
pub mod certificate;
mod change_request;
pub mod console;
pub mod credential;
mod death_notification;
pub mod error;
mod examination;
pub mod extract;
mod feed;
pub mod health;
pub mod idempotency;
mod jobs;
mod link;
pub mod metrics;
mod notification;
pub mod oauth;
mod pagination;
pub mod payment;
pub mod personal;
pub mod portal;
mod qualifications;
mod queue;
mod register_lookup;
mod registration;
mod sanction;
pub mod sandbox;
mod scope;
mod spec;
mod telemetry;
mod test_clock;
mod text;
mod webhook;

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{web, App, HttpRequest};
use adapters::attachments::Attachments;
use adapters::vault::Vault;
use domain::catalogue::InForce;
use eventstore::cases::Cases;
use eventstore::subscription::LagRecorder;
use sqlx::PgPool;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi;
use utoipa::Modify;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{SwaggerUi, Url};

use crate::auth::{Authenticator, TokenKeys};
use crate::error::ApiError;

/// Everything handlers share.
pub struct AppState {
    pub pool: PgPool,
    /// Every examined aggregate's command bus.
    pub cases: Cases,
    pub catalogue: InForce,
    pub vault: Vault,
    pub attachments: Attachments,
    /// Largest accepted upload in bytes.
    pub attachment_limit: usize,
    /// Keys the console's session tags (and development tokens).
    pub tokens: TokenKeys,
    /// Verifies every kind of bearer token; issues ministry clients' tokens.
    pub auth: Arc<Authenticator>,
    /// Signs sandbox checkout links; `None` when Stripe is the gateway (the
    /// sandbox routes then answer 404).
    pub sandbox: Option<workers::payment::sandbox::SandboxSigner>,
    /// Verifies Stripe's webhooks; `None` when Stripe is not the gateway.
    pub stripe_webhook_secret: Option<String>,
    /// Where ministries' webhooks may be sent.
    pub webhook_targets: workers::webhook::TargetPolicy,
    pub lag: Arc<LagRecorder>,
    /// Requests in flight, which background work yields to.
    pub pressure: eventstore::pressure::Pressure,
    /// The base of links handed out; https here makes console cookies Secure.
    pub public_url: String,
    pub certificates: Arc<certificate::CertificateService>,
    /// Tells holders what no event may carry (a credential offer's code).
    pub notices: Arc<workers::notification::NotificationProducer>,
    /// The national registers (the initial setting asks whose a number is).
    pub registry: Arc<dyn domain::registry::RegistryInquiry>,
    /// The office's letters by post.
    pub letters: adapters::post::Letters,
    /// Whether the initial setting needs an identity the provider verified
    /// (always in production).
    pub verified_identity_required: bool,
    /// The application's time (shifted by the test clock in development).
    pub clock: domain::Clock,
    /// Whether `/v1/admin/test-clock` is served (never in production).
    pub test_clock: bool,
}

impl AppState {
    /// The use cases, over this state's store and adapters.
    pub fn use_cases(&self) -> application::UseCases<'_> {
        application::UseCases {
            pool: &self.pool,
            cases: &self.cases,
            vault: &self.vault,
            attachments: &self.attachments,
            catalogue: &self.catalogue,
            registry: self.registry.as_ref(),
            letters: &self.letters,
            verified_identity_required: self.verified_identity_required,
            clock: &self.clock,
        }
    }
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "shikaku",
        description = "Back office of the national-qualification registration office: applications, examination, the register.",
        version = "1.0.0",
        contact(name = "Registration office, systems desk", email = "api@shikaku.example.jp")
    ),
    servers((url = "http://127.0.0.1:8080", description = "A development server started by ./scripts/run")),
    tags(
        (name = "registrations", description = "Applications for a registration, and the registration they become"),
        (name = "change-requests", description = "Changes of registered matters, re-issues and deletions"),
        (name = "sanctions", description = "Suspensions and revocations the office opens on a registration"),
        (name = "examination", description = "The examiners' queue and actions, the same for every case type"),
        (name = "attachments", description = "Documents sent with a case"),
        (name = "certificates", description = "Digital qualification certificates and their verification"),
        (name = "catalogue", description = "Qualifications, procedures, fees and service standards"),
        (name = "notifications", description = "The notices the office sent"),
        (name = "payments", description = "Fees paid through the payment gateway"),
        (name = "sandbox", description = "The development payment gateway (absent with Stripe)"),
        (name = "operations", description = "Health, metrics and the job queue"),
        (name = "ministry integration", description = "Ministry systems: tokens, the event feed, webhooks"),
    ),
    modifiers(&BearerAuth),
    components(schemas(error::Problem, error::FieldError))
)]
struct BaseDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "client_secret_basic",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()),
        );
    }
}

fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(qualifications::list)
        .service(qualifications::versions::publish)
        .service(register_lookup::look_up)
        .service(attachment::upload)
        .service(attachment::download)
        .service(registration::download_registration_attachment)
        .service(change_request::download_change_request_attachment)
        .service(registration::create)
        .service(link::link)
        .service(link::confirm)
        .service(link::dispute::dispute)
        .service(death_notification::notify)
        .service(registration::list)
        .service(registration::get)
        .service(registration::withdraw_registration)
        .service(registration::respond_to_registration)
        .service(registration::assign_registration)
        .service(registration::request_registration_information)
        .service(registration::propose_registration_decision)
        .service(registration::approve_registration_decision)
        .service(registration::return_registration_proposal)
        .service(registration::clear_registration_flag)
        .service(link::resolution::resolve)
        .service(change_request::create)
        .service(change_request::list)
        .service(change_request::get)
        .service(change_request::withdraw_change_request)
        .service(change_request::respond_to_change_request)
        .service(change_request::assign_change_request)
        .service(change_request::request_change_request_information)
        .service(change_request::propose_change_request_decision)
        .service(change_request::approve_change_request_decision)
        .service(change_request::return_change_request_proposal)
        .service(change_request::clear_change_request_flag)
        .service(registration::record_registration_postal_response)
        .service(registration::record_registration_postal_withdrawal)
        .service(registration::record_registration_paper_payment)
        .service(change_request::record_change_request_postal_response)
        .service(change_request::record_change_request_postal_withdrawal)
        .service(change_request::record_change_request_paper_payment)
        .service(certificate::certificate)
        .service(certificate::certificate_svg)
        .service(certificate::certificate_pdf)
        .service(certificate::verifications)
        .service(certificate::page)
        .service(certificate::keys)
        .service(certificate::status_list)
        .service(certificate::numbered_status_list)
        .service(credential::offer::create_offer)
        .service(credential::offer::list)
        .service(credential::standing::credentials)
        .service(queue::list)
        .service(jobs::list)
        .service(jobs::retry)
        .service(test_clock::get_clock)
        .service(test_clock::advance_clock)
        .service(notification::list)
        .service(sandbox::page)
        .service(sandbox::pay)
        .service(sandbox::decline)
        .service(payment::stripe_webhook)
        .service(payment::checkout_return)
        .service(feed::list)
        .service(webhook::create)
        .service(webhook::list)
        .service(webhook::delete)
        .service(webhook::deliveries)
        .service(webhook::test)
        .service(health::livez)
        .service(health::readyz)
        .service(oauth::token)
        .service(oauth::jwks)
        .service(audit::list)
        .service(console::revocation::revoke)
        .service(access_log::list)
        .service(sanction::create)
        .service(sanction::get)
        .service(sanction::withdraw_sanction)
        .service(sanction::respond_to_sanction)
        .service(sanction::assign_sanction)
        .service(sanction::request_sanction_information)
        .service(sanction::propose_sanction_decision)
        .service(sanction::approve_sanction_decision)
        .service(sanction::return_sanction_proposal)
        .service(sanction::clear_sanction_flag)
        .service(sanction::download_sanction_attachment);
}

/// The OpenAPI document as served at `/openapi.json`: what integrators call.
pub fn openapi() -> OpenApi {
    documents().0
}

/// The operators' OpenAPI document, served at `/openapi/operations.json`:
/// health, the admin API, the sandbox, Stripe's callback, the HTML pages.
pub fn operations_openapi() -> OpenApi {
    documents().1
}

/// The properties of answers the server may leave out (every other one it
/// always sends, and the spec requires): (schema, property).
pub fn spec_fields_may_be_absent() -> &'static [(&'static str, &'static str)] {
    spec::MAY_BE_ABSENT
}

/// (public, operators') documents.
fn documents() -> (OpenApi, OpenApi) {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(<BaseDoc as utoipa::OpenApi>::openapi())
        .configure(routes)
        .split_for_parts();
    spec::complete(api)
}

async fn not_found(_: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}

/// The whole application: routes, docs, errors, request ids.
pub fn app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, api) = App::new()
        .into_utoipa_app()
        .openapi(<BaseDoc as utoipa::OpenApi>::openapi())
        .app_data(state)
        .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::NotFound.into()))
        .app_data(web::QueryConfig::default().error_handler(|e, _| {
            ApiError::BadRequest {
                code: "INVALID_QUERY",
                detail: format!("the query string is invalid: {e}"),
            }
            .into()
        }))
        .configure(routes)
        .split_for_parts();
    let (public, operators) = spec::complete(api);
    app.service(SwaggerUi::new("/docs/{_:.*}").urls(vec![
        (Url::new("shikaku", "/openapi.json"), public),
        (
            Url::new("operations", "/openapi/operations.json"),
            operators,
        ),
    ]))
    .route(
        "/docs",
        web::get().to(|| async {
            actix_web::HttpResponse::Found()
                .insert_header(("Location", "/docs/"))
                .finish()
        }),
    )
    .route("/verify.js", web::get().to(certificate::script))
    .route("/verify-sw.js", web::get().to(certificate::service_worker))
    .service(console::scope())
    // OpenID4VCI: shapes fixed by the protocol, outside the /v1 spec.
    .service(credential::metadata::credential_issuer)
    .service(credential::metadata::authorization_server)
    .service(credential::metadata::jwt_vc_issuer)
    .service(credential::metadata::type_metadata)
    .service(credential::protocol::token_endpoint)
    .service(credential::protocol::nonce_endpoint)
    .service(credential::protocol::credential_endpoint)
    .service(portal::scope())
    .default_service(web::to(not_found))
    .wrap(actix_web::middleware::from_fn(oauth::quota::headers))
    .wrap(actix_web::middleware::from_fn(text::refuse_unstorable))
    .wrap(actix_web::middleware::from_fn(telemetry::request_id))
    .wrap(actix_web::middleware::from_fn(telemetry::in_flight))
}
