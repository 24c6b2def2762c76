//! E-mail after a run (`[notify]`): when the run ends with an exit code other than 0, or after
//! every run when `notify.on = "always"`, a plain-text summary goes to the configured addresses
//! through SMTP, with the HTML report of each period the run wrote attached. The SMTP password
//! comes only from the environment (`ALCANCIA_SMTP_PASSWORD`). A notification that cannot be
//! sent is logged and never changes the run's exit code.

use crate::settings::NotifySettings;
use anyhow::Context as _;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};
use std::time::Duration;

/// The environment variable holding the SMTP password.
pub const PASSWORD_ENV: &str = "ALCANCIA_SMTP_PASSWORD";

/// One message: subject, plain-text body, and HTML attachments (file name, bytes).
#[derive(Clone, Debug)]
pub struct Email {
    pub subject: String,
    pub body: String,
    pub attachments: Vec<(String, Vec<u8>)>,
}

fn build(settings: &NotifySettings, email: &Email) -> anyhow::Result<Message> {
    let from: Mailbox = settings.from.parse().context("notify.from is not an e-mail address")?;
    let mut builder = Message::builder().from(from).subject(email.subject.clone());
    for to in &settings.to {
        builder =
            builder.to(to.parse().with_context(|| format!("notify.to: {to:?} is not an e-mail address"))?);
    }
    let mut body = MultiPart::mixed().singlepart(SinglePart::plain(email.body.clone()));
    let html = ContentType::parse("text/html; charset=utf-8").context("content type")?;
    for (name, bytes) in &email.attachments {
        body = body.singlepart(Attachment::new(name.clone()).body(bytes.clone(), html.clone()));
    }
    builder.multipart(body).context("Failed to build the e-mail")
}

/// Sends one message (blocking; call it off the async runtime's workers).
pub fn send(settings: &NotifySettings, email: &Email) -> anyhow::Result<()> {
    let message = build(settings, email)?;
    let mut transport = if settings.starttls {
        SmtpTransport::starttls_relay(&settings.smtp_host).context("Failed to set up STARTTLS")?
    } else {
        SmtpTransport::builder_dangerous(&settings.smtp_host)
    }
    .port(settings.smtp_port)
    .timeout(Some(Duration::from_secs(60)));
    if !settings.username.is_empty() {
        let password = std::env::var(PASSWORD_ENV).unwrap_or_default();
        transport = transport.credentials(Credentials::new(settings.username.clone(), password));
    }
    transport.build().send(&message).with_context(|| {
        format!("Failed to send the e-mail through {}:{}", settings.smtp_host, settings.smtp_port)
    })?;
    Ok(())
}
