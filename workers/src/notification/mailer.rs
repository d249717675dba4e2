//! Where mail goes: an SMTP relay (pooled; STARTTLS when offered, required
//! with `?tls=required`, or TLS from the first byte with `smtps://`), or,
//! with no SMTP URL, `.eml` files in a development outbox directory.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::header::{ContentType, MIME_VERSION_1_0};
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Why a message was not handed over.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The settings are unusable (names the setting, never a password).
    #[error("{0}")]
    Config(String),
    /// The message cannot be built (e.g. an invalid recipient address).
    #[error("invalid message: {0}")]
    Message(String),
    /// The server refused the message for good (5xx).
    #[error("refused by the SMTP server: {0}")]
    Refused(String),
    /// The server or the network failed for now (4xx, connection, TLS, timeout).
    #[error("SMTP delivery failed: {0}")]
    Transient(String),
    #[error("outbox: {0}")]
    Outbox(#[from] std::io::Error),
}

/// One message ready to send.
#[derive(Debug, Clone)]
pub struct Mail {
    /// With angle brackets: `<case.sequence@host>`.
    pub message_id: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    /// `ja` or `en`, sent as Content-Language.
    pub language: String,
}

/// The transport chosen by the settings.
#[derive(Clone)]
pub enum Mailer {
    /// A pooled SMTP transport.
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
    /// `.eml` files named after the Message-ID, for development.
    Outbox { dir: PathBuf, from: Mailbox },
}

impl Mailer {
    /// An SMTP mailer for `url`, or the outbox under `outbox` when `url` is empty.
    /// `hello` is the name the client greets the relay with (EHLO): the public host.
    pub fn from_settings(
        url: &str,
        from: &str,
        hello: &str,
        outbox: &Path,
    ) -> Result<Self, MailError> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| MailError::Config(format!("SHIKAKU_MAIL_FROM is not a mailbox: {e}")))?;
        if url.is_empty() {
            return Ok(Mailer::Outbox {
                dir: outbox.to_owned(),
                from,
            });
        }
        Ok(Mailer::Smtp {
            transport: smtp_transport(url, hello)?,
            from,
        })
    }

    /// Builds the message: UTF-8 plain text, RFC 2047 subject, the stable Message-ID.
    pub fn message(&self, mail: &Mail) -> Result<Message, MailError> {
        let from = match self {
            Mailer::Smtp { from, .. } | Mailer::Outbox { from, .. } => from.clone(),
        };
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|e| MailError::Message(format!("recipient: {e}")))?;
        Message::builder()
            .from(from)
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(mail.message_id.clone()))
            .header(MIME_VERSION_1_0)
            .header(ContentType::TEXT_PLAIN)
            .header(ContentLanguage(mail.language.clone()))
            .body(mail.body.clone())
            .map_err(|e| MailError::Message(e.to_string()))
    }

    /// Hands the message over; Ok means the SMTP server accepted it (or the
    /// file is written).
    pub async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let sent = self.send_all(std::slice::from_ref(mail)).await;
        sent.into_iter().next().unwrap_or(Ok(()))
    }

    /// Hands the messages over, all at once: to the SMTP server through the
    /// pooled connections, or to the outbox in one blocking task; one
    /// outcome per message, in order, a failure failing its message only.
    pub async fn send_all(&self, mails: &[Mail]) -> Vec<Result<(), MailError>> {
        let messages: Vec<Result<Message, MailError>> =
            mails.iter().map(|m| self.message(m)).collect();
        match self {
            Mailer::Smtp { transport, .. } => {
                let sends = messages.into_iter().map(|message| async move {
                    match transport.send(message?).await {
                        Ok(_) => Ok(()),
                        Err(e) if e.is_permanent() => Err(MailError::Refused(e.to_string())),
                        Err(e) => Err(MailError::Transient(e.to_string())),
                    }
                });
                futures_util::future::join_all(sends).await
            }
            Mailer::Outbox { dir, .. } => write_outbox(dir, mails, messages).await,
        }
    }
}

/// Writes the messages built as `.eml` files named after their Message-IDs.
/// Mail carries personal data: the outbox is 0700 and each message 0600 from
/// its first byte, written whole, then moved into place (a reader never sees
/// half a message).
async fn write_outbox(
    dir: &Path,
    mails: &[Mail],
    messages: Vec<Result<Message, MailError>>,
) -> Vec<Result<(), MailError>> {
    let mut outcomes = Vec::with_capacity(mails.len());
    let mut files = Vec::new();
    for (mail, message) in mails.iter().zip(messages) {
        match message {
            Ok(message) => {
                let name: String = mail
                    .message_id
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '@'))
                    .collect();
                files.push((format!("{name}.eml"), message.formatted()));
                outcomes.push(None);
            }
            Err(e) => outcomes.push(Some(Err(e))),
        }
    }
    // The writes wait for their fsyncs: off the async threads, which would
    // otherwise stall every request and job meanwhile; all in one task, so
    // that a batch costs one hand-over and one directory sync.
    let dir = dir.to_owned();
    let written = tokio::task::spawn_blocking(move || {
        let count = files.len();
        match adapters::private_file::dir(&dir) {
            Ok(()) => adapters::private_file::replace_all(&dir, &files),
            Err(e) => (0..count)
                .map(|_| Err(std::io::Error::new(e.kind(), e.to_string())))
                .collect(),
        }
    })
    .await
    .map_err(|e| e.to_string());
    let mut written = written.map(Vec::into_iter);
    outcomes
        .into_iter()
        .map(|outcome| {
            outcome.unwrap_or_else(|| match &mut written {
                Ok(files) => files
                    .next()
                    .unwrap_or_else(|| Err(std::io::Error::other("not written")))
                    .map_err(MailError::Outbox),
                Err(e) => Err(MailError::Outbox(std::io::Error::other(e.clone()))),
            })
        })
        .collect()
}

/// `Content-Language: ja`, so mail clients pick the right fonts and spelling.
#[derive(Debug, Clone)]
struct ContentLanguage(String);

impl lettre::message::header::Header for ContentLanguage {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("Content-Language")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_owned()))
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// Parses `smtp://[user:pass@]host[:port][?tls=required]` or `smtps://...`.
fn smtp_transport(url: &str, hello: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    let bad = |why: &str| MailError::Config(format!("SHIKAKU_SMTP_URL {why}"));
    let parsed = url::Url::parse(url).map_err(|_| bad("is not a URL"))?;
    let host = parsed
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad("has no host"))?
        .to_owned();
    let mut require_tls = false;
    for (key, value) in parsed.query_pairs() {
        match (key.as_ref(), value.as_ref()) {
            ("tls", "required") => require_tls = true,
            ("tls", "opportunistic") => require_tls = false,
            _ => return Err(bad("takes only the query flag tls=required")),
        }
    }
    let params = TlsParameters::new(host.clone())
        .map_err(|e| MailError::Config(format!("SHIKAKU_SMTP_URL TLS set-up: {e}")))?;
    let (tls, default_port) = match parsed.scheme() {
        "smtps" => (Tls::Wrapper(params), 465),
        "smtp" if require_tls => (Tls::Required(params), 587),
        "smtp" => (Tls::Opportunistic(params), 25),
        _ => return Err(bad("must start with smtp:// or smtps://")),
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(parsed.port().unwrap_or(default_port))
        .hello_name(ClientId::Domain(hello.to_owned()))
        .tls(tls)
        .timeout(Some(Duration::from_secs(30)))
        .pool_config(PoolConfig::new().max_size(4));
    if !parsed.username().is_empty() {
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        builder = builder.credentials(Credentials::new(
            decode(parsed.username()),
            decode(parsed.password().unwrap_or_default()),
        ));
    }
    Ok(builder.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    // The pooled transport starts its reaper task on the runtime.
    #[tokio::test]
    async fn smtp_urls_are_checked() {
        let outbox = Path::new("/tmp/unused");
        let from = "Office <office@example.jp>";
        for good in [
            "smtp://127.0.0.1:2525",
            "smtp://relay.example.jp?tls=required",
            "smtps://user:p%40ss@relay.example.jp:465",
        ] {
            assert!(
                matches!(
                    Mailer::from_settings(good, from, "localhost", outbox),
                    Ok(Mailer::Smtp { .. })
                ),
                "{good}"
            );
        }
        for bad in [
            "http://relay",
            "smtp://relay?tls=maybe",
            "not a url",
            "smtp://user:secret@?x",
        ] {
            let err = Mailer::from_settings(bad, from, "localhost", outbox)
                .err()
                .expect(bad);
            assert!(!err.to_string().contains("secret"), "{err}");
        }
        assert!(matches!(
            Mailer::from_settings("", from, "localhost", outbox),
            Ok(Mailer::Outbox { .. })
        ));
        assert!(Mailer::from_settings("", "not a mailbox", "localhost", outbox).is_err());
    }

    #[test]
    fn messages_are_utf8_with_encoded_subjects_and_stable_ids() {
        let mailer = Mailer::from_settings(
            "",
            "資格登録事務局 <office@example.jp>",
            "localhost",
            Path::new("/tmp"),
        )
        .unwrap();
        let mail = Mail {
            message_id: "<abc.3@example.jp>".into(),
            to: "hanako@example.jp".into(),
            subject: "【資格登録】登録が完了しました".into(),
            body: "山田 花子 様\n".into(),
            language: "ja".into(),
        };
        let text = String::from_utf8(mailer.message(&mail).unwrap().formatted()).unwrap();
        assert!(text.contains("Message-ID: <abc.3@example.jp>"), "{text}");
        assert!(text.contains("Subject: =?utf-8?"), "{text}");
        assert!(
            text.contains("Content-Type: text/plain; charset=utf-8"),
            "{text}"
        );
        assert!(text.contains("Content-Language: ja"), "{text}");
        assert!(text.contains("MIME-Version: 1.0"), "{text}");
        assert!(text.is_ascii(), "headers and body are 7-bit encoded");
    }
}
