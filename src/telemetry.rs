//! Log set-up: level from RUST_LOG (default info); SHIKAKU_LOG_FORMAT=json
//! for one JSON object per line (log collectors), else readable lines,
//! coloured only on a terminal. Read from the environment, not the settings
//! file, so that reading the settings can already log.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

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

/// Installs the global subscriber once; later calls do nothing.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,actix_server=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
            .try_init(),
    };
}
