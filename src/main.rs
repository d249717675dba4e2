//! The `shikaku` command line.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use domain::Role;
use shikaku::startup::{self, Application};
use shikaku::{bench, telemetry, Settings};

/// mimalloc for the whole process: the request and event paths allocate and
/// free many small buffers across threads (see Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "shikaku",
    version,
    about = "Back office for national-qualification registrations"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the API, the subscriptions and the job workers in one process.
    Serve {
        /// Address to listen on (default from settings: 127.0.0.1:8080).
        #[arg(long)]
        bind: Option<String>,
    },
    /// Run the job workers (and the subscriptions that feed them) without the API;
    /// start more of these to scale out.
    Worker,
    /// Inspect and re-run jobs.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Print a bearer token valid for a server started with the same settings.
    Token {
        #[arg(long)]
        role: String,
        #[arg(long)]
        sub: String,
        /// Lifetime in seconds.
        #[arg(long, default_value_t = 8 * 3600)]
        ttl: i64,
    },
    /// Empty a view and rebuild it from the events.
    RebuildProjection { name: String },
    /// Import the paper-era register from a CSV file (all rows or none).
    ImportRegister { file: std::path::PathBuf },
    /// Print the OpenAPI document.
    Openapi,
    /// Measure throughput, latency and projection lag (see README).
    Bench(bench::BenchArgs),
    /// Verify a certificate (offline with --keys and --status-list): exit 0
    /// VALID, 1 INVALID, 2 REVOKED.
    Verify(shikaku::verify::VerifyArgs),
    /// Manage the OAuth clients of ministry systems.
    MinistryClients {
        #[command(subcommand)]
        command: shikaku::ministry_clients::MinistryClientsCommand,
    },
    /// Manage the keys that sign certificates.
    CertificateKeys {
        #[command(subcommand)]
        action: CertificateKeysAction,
    },
}

#[derive(Subcommand)]
enum CertificateKeysAction {
    /// Make a new signing key and publish it; older keys stay published.
    Rotate,
}

#[derive(Subcommand)]
enum JobsCommand {
    /// List jobs, newest first.
    List {
        /// Only jobs in this state: queued, running, succeeded or dead.
        #[arg(long)]
        state: Option<String>,
        /// How many to show.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Queue a dead job again with a fresh set of attempts.
    Retry { id: i64 },
}

#[actix_web::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Held until the end: dropping it sends the last spans.
    let _traces = match telemetry::LogFormat::from_env().and_then(telemetry::init) {
        Ok(traces) => traces,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let mut settings = Settings::load()?;
    match cli.command {
        Command::Serve { bind } => {
            if let Some(bind) = bind {
                settings.bind = bind;
            }
            let settings_env = settings.env;
            let app = Application::build(settings).await?;
            let base = app.public_url.clone();
            // The address itself: behind a proxy the public URL is another.
            println!("shikaku listening on http://{}", app.address());
            if base != format!("http://{}", app.address()) {
                println!("  public URL:  {base}");
            }
            println!("  API docs:    {base}/docs/");
            println!("  spec:        {base}/openapi.json");
            if let Some(metrics) = &app.metrics_url {
                println!("  metrics:     {metrics}");
            }
            let dev = settings_env == shikaku::config::Environment::Development;
            for (role, sub) in [
                ("applicant", "applicant-1"),
                ("examiner", "examiner-1"),
                ("senior_examiner", "senior-1"),
            ]
            .into_iter()
            .filter(|_| dev)
            {
                let token =
                    app.tokens
                        .mint(sub, Role::parse(role).unwrap_or(Role::Applicant), 8 * 3600);
                println!("  {role} token ({sub}): {token}");
            }
            app.run(startup::shutdown::signal()).await?;
        }
        Command::Worker => {
            if let Some(problem) = settings.production_problems().into_iter().next() {
                return Err(format!("production: {problem}").into());
            }
            let (pool, _embedded) = startup::database(&settings).await?;
            let core = startup::Core::new(&pool, &settings, &settings.public_url()).await?;
            println!("shikaku worker started");
            startup::run_workers(pool, core, &settings).await?;
        }
        Command::Jobs { command } => {
            let (pool, _embedded) = startup::database(&settings).await?;
            match command {
                JobsCommand::List { state, limit } => {
                    let state = match state.as_deref() {
                        None => None,
                        Some(s) => Some(
                            workers::JobState::parse(s)
                                .ok_or("state must be queued, running, succeeded or dead")?,
                        ),
                    };
                    let jobs = workers::jobs::list(&pool, state, None, None, limit).await?;
                    println!(
                        "{:>8}  {:<22} {:<10} {:>8}  {:<25} last error",
                        "id", "kind", "state", "attempts", "run at"
                    );
                    for j in jobs {
                        println!(
                            "{:>8}  {:<22} {:<10} {:>4}/{:<3}  {:<25} {}",
                            j.id,
                            j.kind,
                            j.state.as_str(),
                            j.attempts,
                            j.max_attempts,
                            j.run_at.to_rfc3339(),
                            j.last_error.unwrap_or_default()
                        );
                    }
                }
                JobsCommand::Retry { id } => {
                    let job = workers::jobs::retry(&pool, id).await?;
                    println!("job {} ({}) queued again", job.id, job.kind);
                }
            }
        }
        Command::Migrate => {
            settings.migrate = true;
            let _ = startup::database(&settings).await?;
            println!("migrations applied");
        }
        Command::Token { role, sub, ttl } => {
            if settings.env == shikaku::config::Environment::Production {
                return Err("dev tokens exist in development only; production takes tokens from the identity provider".into());
            }
            let role = Role::parse(&role)
                .ok_or("role must be applicant, examiner, senior_examiner, ministry or admin")?;
            println!("{}", startup::token_keys(&settings)?.mint(&sub, role, ttl));
        }
        Command::RebuildProjection { name } => {
            let (pool, _embedded) = startup::database(&settings).await?;
            let core = startup::Core::new(&pool, &settings, &settings.public_url()).await?;
            let all = startup::projections(&core);
            let names: Vec<_> = all.iter().map(|p| p.name()).collect();
            let projection = all
                .iter()
                .find(|p| p.name() == name)
                .cloned()
                .ok_or_else(|| format!("unknown projection {name}; known: {}", names.join(", ")))?;
            let sub = eventstore::subscription::Subscription::new(pool, projection);
            let n = sub.rebuild().await?;
            println!("rebuilt {name} from {n} events");
        }
        Command::ImportRegister { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let (pool, _embedded) = startup::database(&settings).await?;
            let n = shikaku::import::import_register(&pool, &text).await?;
            println!("imported {n} registrations");
        }
        Command::Openapi => {
            println!("{}", serde_json::to_string_pretty(&api::openapi())?);
        }
        Command::Bench(args) => bench::run(settings, args).await?,
        Command::Verify(args) => {
            let verdict = shikaku::verify::verify(&args).await?;
            shikaku::verify::print(&verdict);
            std::process::exit(shikaku::verify::exit_code(&verdict));
        }
        Command::MinistryClients { command } => {
            let (pool, _embedded) = startup::database(&settings).await?;
            let secrets = startup::ministry_client_secrets(&settings)?;
            shikaku::ministry_clients::run(&pool, &secrets, command).await?;
        }
        Command::CertificateKeys {
            action: CertificateKeysAction::Rotate,
        } => {
            let (pool, _embedded) = startup::database(&settings).await?;
            let rotation = shikaku::certificate_keys::rotate(&pool, &settings).await?;
            println!(
                "new signing key {} published; older keys stay published",
                rotation.kid
            );
            match rotation.pem_to_install {
                Some(pem) => println!(
                    "set SHIKAKU_CERT_SIGNING_KEY to this key and restart the servers:\n{pem}"
                ),
                None => println!("restart the servers to sign with it"),
            }
        }
    }
    Ok(())
}
