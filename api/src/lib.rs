//! The HTTP API: handlers, authentication, problem+json errors and the
//! OpenAPI document, which is generated from the handlers registered here.

mod attachment;
pub mod auth;
pub mod case;
pub mod certificate;
mod change_request;
pub mod console;
pub mod error;
pub mod extract;
mod health;
pub mod idempotency;
mod jobs;
mod link;
mod notification;
mod pagination;
mod paper;
pub mod payment;
mod qualifications;
mod queue;
mod registration;
pub mod sandbox;
mod telemetry;
mod text;

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{web, App, HttpRequest};
use domain::catalogue::Catalogue;
use domain::change_request::ChangeRequest;
use domain::registration::QualificationRegistration;
use projections::attachments::Attachments;
use projections::store::CommandBus;
use projections::subscription::LagRecorder;
use projections::vault::Vault;
use sqlx::PgPool;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi;
use utoipa::Modify;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::TokenKeys;
use crate::error::ApiError;

/// Everything handlers share.
pub struct AppState {
    pub pool: PgPool,
    pub registrations: Arc<CommandBus<QualificationRegistration>>,
    pub change_requests: Arc<CommandBus<ChangeRequest>>,
    pub catalogue: Arc<Catalogue>,
    pub vault: Vault,
    pub attachments: Attachments,
    /// Largest accepted upload in bytes.
    pub attachment_limit: usize,
    pub tokens: TokenKeys,
    /// Signs sandbox checkout links; `None` when Stripe is the gateway (the
    /// sandbox routes then answer 404).
    pub sandbox: Option<workers::payment::sandbox::SandboxSigner>,
    /// Verifies Stripe's webhooks; `None` when Stripe is not the gateway.
    pub stripe_webhook_secret: Option<String>,
    pub lag: Arc<LagRecorder>,
    /// The base of links handed out; https here makes console cookies Secure.
    pub public_url: String,
    pub certificates: Arc<certificate::CertificateService>,
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "shikaku",
        description = "Back office of the national-qualification registration office: applications, examination, the register.",
        version = "1.0.0"
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
    }
}

fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(qualifications::list)
        .service(attachment::upload)
        .service(attachment::download)
        .service(registration::create)
        .service(link::link)
        .service(registration::list)
        .service(registration::get)
        .service(registration::withdraw)
        .service(registration::respond)
        .service(registration::assign)
        .service(registration::request_information)
        .service(registration::propose)
        .service(registration::approve)
        .service(change_request::create)
        .service(change_request::list)
        .service(change_request::get)
        .service(change_request::withdraw)
        .service(change_request::respond)
        .service(change_request::assign)
        .service(change_request::request_information)
        .service(change_request::propose)
        .service(change_request::approve)
        .service(paper::record_registration_postal_response)
        .service(paper::record_registration_postal_withdrawal)
        .service(paper::record_registration_paper_payment)
        .service(paper::record_change_request_postal_response)
        .service(paper::record_change_request_postal_withdrawal)
        .service(paper::record_change_request_paper_payment)
        .service(certificate::certificate)
        .service(certificate::certificate_svg)
        .service(certificate::certificate_pdf)
        .service(certificate::verifications)
        .service(certificate::page)
        .service(certificate::keys)
        .service(certificate::status_list)
        .service(queue::list)
        .service(jobs::list)
        .service(jobs::retry)
        .service(notification::list)
        .service(sandbox::page)
        .service(sandbox::pay)
        .service(sandbox::decline)
        .service(payment::stripe_webhook)
        .service(payment::checkout_return)
        .service(health::livez)
        .service(health::readyz)
        .service(health::metrics);
}

/// The OpenAPI document as served at `/openapi.json`.
pub fn openapi() -> OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(<BaseDoc as utoipa::OpenApi>::openapi())
        .configure(routes)
        .split_for_parts();
    api
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
    app.service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", api))
        .route(
            "/docs",
            web::get().to(|| async {
                actix_web::HttpResponse::Found()
                    .insert_header(("Location", "/docs/"))
                    .finish()
            }),
        )
        .service(console::scope())
        .default_service(web::to(not_found))
        .wrap(actix_web::middleware::from_fn(text::refuse_unstorable))
        .wrap(actix_web::middleware::from_fn(telemetry::request_id))
}
