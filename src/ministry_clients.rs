//! `shikaku ministry-clients`: create, list and revoke the OAuth clients
//! ministry systems use (the secret is printed once, stored only as a keyed
//! hash: run it with the server's SHIKAKU_VAULT_KEY).

use clap::Subcommand;
use sqlx::PgPool;

use api::oauth::clients;
use api::oauth::secrets::ClientSecrets;

/// The `ministry-clients` subcommands.
#[derive(Debug, Subcommand)]
pub enum MinistryClientsCommand {
    /// Create a client; prints its id and secret (shown only this once).
    Create {
        /// The ministry it acts for: MHLW, MEXT or CFA.
        #[arg(long)]
        ministry: String,
        /// A name for people, e.g. the system's name.
        #[arg(long)]
        name: String,
        /// A scope it may request (repeat); all of them when none is given:
        /// registrations:read, events:read, webhooks:write.
        #[arg(long = "scope")]
        scopes: Vec<String>,
    },
    /// List every client (never a secret).
    List,
    /// Revoke a client: its secret and its tokens stop working at once.
    Revoke { id: String },
}

/// Runs one subcommand.
pub async fn run(
    pool: &PgPool,
    secrets: &ClientSecrets,
    command: MinistryClientsCommand,
) -> Result<(), clients::ClientError> {
    match command {
        MinistryClientsCommand::Create {
            ministry,
            name,
            scopes,
        } => {
            let created = clients::create(pool, secrets, &ministry, &name, &scopes).await?;
            println!("client_id:     {}", created.id);
            println!("client_secret: {}", created.secret);
            println!("(the secret is shown only now; it is stored hashed)");
        }
        MinistryClientsCommand::List => {
            println!(
                "{:<28} {:<8} {:<26} {:<20} name",
                "id", "ministry", "scopes", "revoked"
            );
            for c in clients::list(pool).await? {
                let revoked = c
                    .revoked_at
                    .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_else(|| "-".into());
                println!(
                    "{:<28} {:<8} {:<26} {:<20} {}",
                    c.id,
                    c.ministry_code,
                    c.scopes.join(","),
                    revoked,
                    c.name
                );
            }
        }
        MinistryClientsCommand::Revoke { id } => {
            clients::revoke(pool, &id).await?;
            println!("client {id} revoked");
        }
    }
    Ok(())
}
