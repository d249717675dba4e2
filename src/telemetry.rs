//! Log and trace set-up: level from RUST_LOG (default info);
//! SHIKAKU_LOG_FORMAT=json for one JSON object per line (log collectors),
//! else readable lines, coloured only on a terminal; OpenTelemetry traces
//! over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set. Read from the
//! environment, not the settings file, so that reading the settings can
//! already log.

use std::io::IsTerminal;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Readable lines; ANSI colours only when stderr is a terminal.
    Text,
    /// One JSON object per line, with the current span's fields.
    Json,
}

impl LogFormat {
    /// SHIKAKU_LOG_FORMAT: `text` (default) or `json`.
    pub fn from_env() -> Result<Self, String> {
        match std::env::var("SHIKAKU_LOG_FORMAT").as_deref() {
            Err(_) | Ok("") | Ok("text") => Ok(Self::Text),
            Ok("json") => Ok(Self::Json),
            Ok(other) => Err(format!(
                "SHIKAKU_LOG_FORMAT must be text or json, not {other:?}"
            )),
        }
    }
}

/// The trace exporter, when there is one: dropping it sends the spans still
/// buffered (the batch goes out every 5 s, OTEL_BSP_SCHEDULE_DELAY).
#[must_use = "dropping it stops the traces"]
pub struct Traces(Option<SdkTracerProvider>);

impl Drop for Traces {
    fn drop(&mut self) {
        if let Some(provider) = self.0.take() {
            if let Err(e) = provider.shutdown() {
                eprintln!("traces: the last spans were not sent: {e}");
            }
        }
    }
}

/// The OTLP exporter when OTEL_EXPORTER_OTLP_ENDPOINT (or the traces' own
/// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set. It reads the other standard
/// variables itself: OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT, OTEL_SERVICE_NAME
/// (default `shikaku`), OTEL_RESOURCE_ATTRIBUTES, OTEL_BSP_*.
fn exporter() -> Result<Option<SdkTracerProvider>, String> {
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.is_empty());
    if !set("OTEL_EXPORTER_OTLP_ENDPOINT") && !set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
        return Ok(None);
    }
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
        .map_err(|e| format!("OTEL_EXPORTER_OTLP_ENDPOINT: {e}"))?;
    let mut resource = Resource::builder();
    if !set("OTEL_SERVICE_NAME") {
        resource = resource.with_service_name("shikaku");
    }
    Ok(Some(
        SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource.build())
            .build(),
    ))
}

/// Installs the global subscriber once; later calls install nothing (and
/// export nothing). RUST_LOG chooses the log lines only: the spans of
/// requests, commands, subscription batches and jobs are info spans, traced
/// whatever the log level.
pub fn init(format: LogFormat) -> Result<Traces, String> {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,actix_server=warn"));
    let provider = exporter()?;
    // W3C traceparent in and out: requests join the caller's trace, and
    // webhooks carry the delivery job's.
    if provider.is_some() {
        opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    }
    let lines = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let lines = match format {
        LogFormat::Json => lines
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .boxed(),
        LogFormat::Text => lines
            .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
            .boxed(),
    };
    let spans = provider.as_ref().map(|p| {
        tracing_opentelemetry::layer()
            .with_tracer(p.tracer("shikaku"))
            .with_filter(LevelFilter::INFO)
    });
    let installed = tracing_subscriber::registry()
        .with(lines.with_filter(filter))
        .with(spans)
        .try_init();
    Ok(Traces(provider.filter(|_| installed.is_ok())))
}
