//! The base URL of the links the application hands out.

use super::Settings;

impl Settings {
    /// The base URL of links handed out, for the configured bind address.
    pub fn public_url(&self) -> String {
        let port = self
            .bind
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse().ok())
            .unwrap_or(8080);
        self.public_url_for(port)
    }

    /// The base URL of links handed out, without a trailing slash.
    pub fn public_url_for(&self, port: u16) -> String {
        if self.public_url.is_empty() {
            let host = self
                .bind
                .rsplit_once(':')
                .map(|(h, _)| h)
                .unwrap_or("127.0.0.1");
            format!("http://{host}:{port}")
        } else {
            self.public_url.trim_end_matches('/').to_owned()
        }
    }
}
