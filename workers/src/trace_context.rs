//! W3C trace context (`traceparent`, `tracestate`) across HTTP: taken from an
//! incoming request into its span, and put on outgoing calls from the
//! current span. Both do nothing unless tracing is on (an OpenTelemetry
//! layer and the W3C propagator installed, see the binary's telemetry).

use std::collections::HashMap;

use opentelemetry::propagation::Injector;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The headers that carry the current span's context on an outgoing call.
pub fn outgoing() -> HashMap<String, String> {
    let mut headers = Headers::default();
    let context = tracing::Span::current().context();
    opentelemetry::global::get_text_map_propagator(|p| p.inject_context(&context, &mut headers));
    headers.0
}

/// Makes `span` a child of the caller's span that `header` names (a request's
/// `traceparent`), so that the request joins the caller's trace.
pub fn follow<'a>(span: &tracing::Span, header: impl Fn(&str) -> Option<&'a str>) {
    let incoming: HashMap<String, String> = ["traceparent", "tracestate"]
        .into_iter()
        .filter_map(|name| Some((name.to_owned(), header(name)?.to_owned())))
        .collect();
    if incoming.is_empty() {
        return;
    }
    let parent = opentelemetry::global::get_text_map_propagator(|p| p.extract(&incoming));
    // Fails only without an OpenTelemetry layer: nothing to join then.
    let _ = span.set_parent(parent);
}

#[derive(Default)]
struct Headers(HashMap<String, String>);

impl Injector for Headers {
    fn set(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
}
