//! Helper servers the tests start as processes (SMTP, webhook receiver).

pub mod smtp;
pub mod webhooks;
