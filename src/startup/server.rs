//! The HTTP server: who may call, what the handlers share, and the listener.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{web, HttpServer};
use adapters::attachments::Attachments;
use api::auth::oidc::{OidcSettings, OidcVerifier};
use api::auth::{Authenticator, SubjectIssuers, TokenKeys};
use api::certificate::CertificateService;
use api::oauth::issuer::ClientTokens;
use api::oauth::rate::RateLimit;
use api::AppState;
use eventstore::pressure::Pressure;
use eventstore::subscription::LagRecorder;
use secrecy::ExposeSecret;
use sqlx::PgPool;

use super::{Core, StartupError};
use crate::config::{Environment, Settings};

/// Who may call: development tokens (development only), the OpenID Connect
/// issuer when configured, and ministry clients' access tokens.
pub(super) async fn authenticator(
    pool: &PgPool,
    settings: &Settings,
    tokens: &TokenKeys,
    public_url: &str,
) -> Result<Authenticator, StartupError> {
    let oidc =
        settings
            .oidc()
            .map_err(StartupError::Setting)?
            .map(|(issuer, jwks_url, audience)| {
                OidcVerifier::new(OidcSettings {
                    issuer,
                    jwks_url,
                    audience,
                })
            });
    let limit = RateLimit {
        per_second: settings.ministry_rate_per_second,
        burst: settings.ministry_rate_burst,
    };
    let clients = ClientTokens::load(
        pool,
        public_url,
        limit,
        &super::secrets::vault_key(settings)?,
    )
    .await
    .map_err(|e| StartupError::Setting(format!("ministry client tokens: {e}")))?;
    Ok(Authenticator {
        dev: (settings.env == Environment::Development).then(|| tokens.clone()),
        oidc,
        clients: Arc::new(clients),
        subjects: SubjectIssuers::new(pool.clone()),
    })
}

/// What the handlers share beyond the core and the settings, built by
/// `Application::build` before the server starts.
pub(super) struct Shared {
    pub tokens: TokenKeys,
    pub auth: Arc<Authenticator>,
    pub lag: Arc<LagRecorder>,
    pub pressure: Pressure,
    pub attachments: Attachments,
    pub public_url: String,
}

/// Serves the API, the console and the portal on `listener`.
pub(super) fn serve(
    listener: TcpListener,
    core: &Core,
    settings: &Settings,
    shared: Shared,
    readiness: web::Data<api::health::Readiness>,
) -> std::io::Result<Server> {
    let state = web::Data::new(AppState {
        pool: core.pool.clone(),
        cases: core.cases.clone(),
        catalogue: core.catalogue.clone(),
        vault: core.vault.clone(),
        attachments: shared.attachments,
        attachment_limit: settings.attachment_max_bytes,
        tokens: shared.tokens,
        auth: shared.auth,
        sandbox: core.sandbox.clone(),
        stripe_webhook_secret: settings
            .stripe_webhook_secret
            .as_ref()
            .map(|s| s.expose_secret().to_owned()),
        webhook_targets: core.webhook_targets.clone(),
        lag: shared.lag,
        pressure: shared.pressure,
        public_url: shared.public_url.clone(),
        registry: core.registry.clone(),
        letters: adapters::post::Letters::new(settings.data_dir.join("letters")),
        verified_identity_required: settings.env == Environment::Production
            || settings.require_verified_identity,
        notices: core.notices.clone(),
        clock: core.clock.clone(),
        test_clock: settings.test_clock_enabled(),
        certificates: Arc::new(CertificateService {
            key: core.certificate_key.clone(),
            public_url: shared.public_url,
            font: crate::certificate_keys::font(settings),
            lists: Default::default(),
        }),
    });
    let metrics = web::Data::from(core.metrics.clone());
    // Signals are `Application::run`'s: it turns unready before it stops
    // the server.
    Ok(HttpServer::new(move || {
        api::app(state.clone())
            .app_data(readiness.clone())
            .app_data(metrics.clone())
    })
    .disable_signals()
    .shutdown_timeout(settings.shutdown_timeout_seconds)
    .listen(listener)?
    .run())
}
