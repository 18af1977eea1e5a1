//! `canhgac`: the one binary — the demo province, the production server, migrations and
//! user administration.

use anyhow::{bail, Context, Result};
use canhgac_domain::{Role, Scope};
use canhgac_server::{auth, AppState, ServerConfig};
use canhgac_store::{Actor, NewUser, Store};
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// mimalloc: the pipeline and `detect` allocate per event (parsed strings, rows); glibc's
/// allocator was a tenth of their time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod agents_tls;
mod backup;
mod config;
use config::{server_config, ConfigFile};
mod detect;
mod duty;
mod flows;
mod hunt;
mod scale;
mod scan;
mod spam;
mod vulnmatch;

/// canhgac — giám sát, cảnh báo và điều phối an toàn thông tin cho Sở TTTT, các sở, ban,
/// ngành, UBND huyện và doanh nghiệp viễn thông.
///
/// canhgac — security monitoring, alerting and coordination for a province's DIC, agencies,
/// districts and telecom operators.
#[derive(Parser)]
#[command(name = "canhgac", version, about, long_about = None)]
struct Cli {
    /// Ghi nhật ký chi tiết của mọi thư viện ra stderr. Log every library's messages (info) to
    /// stderr; `RUST_LOG` overrides both.
    #[arg(long, short, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

/// The log filter when `RUST_LOG` does not give one. The server's own crates log at info;
/// libraries (sqlx, evtx, …) only warnings — and the offline tools (`hunt`, `detect`, …), whose
/// output is their answer, nothing of the libraries at all.
fn default_filter(command: &Command, verbose: bool) -> String {
    const OURS: [&str; 10] = [
        "canhgac",
        "canhgac_domain",
        "canhgac_store",
        "canhgac_ops",
        "canhgac_server",
        "canhgac_demo",
        "canhgac_intel",
        "canhgac_vuln",
        "canhgac_detect",
        "canhgac_ingest",
    ];
    if verbose {
        return "info".into();
    }
    let serving = matches!(
        command,
        Command::Demo { .. } | Command::Serve { .. } | Command::Migrate { .. }
    );
    let (libs, ours) = if serving {
        ("warn", "info")
    } else {
        ("off", "warn")
    };
    std::iter::once(libs.to_string())
        .chain(OURS.iter().map(|c| format!("{c}={ours}")))
        .collect::<Vec<_>>()
        .join(",")
}

#[derive(Subcommand)]
enum Command {
    /// Chạy thử với dữ liệu mẫu tỉnh Lai Châu (tạo kho dữ liệu nếu chưa có), in địa chỉ web và
    /// tài khoản đăng nhập. Run the demo province on the embedded store and print the login.
    Demo {
        /// Thư mục dữ liệu / data folder.
        #[arg(long, default_value = "./canhgac-data")]
        data: PathBuf,
        /// Địa chỉ lắng nghe / address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Mật khẩu cho các tài khoản mẫu (mặc định: sinh ngẫu nhiên lần đầu và lưu lại).
        /// Password of the demo accounts (default: random on first run, then kept).
        #[arg(long, env = "CANHGAC_DEMO_PASSWORD")]
        password: Option<String>,
        /// Không sinh cảnh báo mẫu liên tục / do not feed live demo signals.
        #[arg(long)]
        no_live: bool,
        /// Cổng syslog (UDP và TCP) trên 127.0.0.1; 0: không mở. Syslog port (UDP and TCP) on
        /// 127.0.0.1; 0: none.
        #[arg(long, default_value_t = 5514)]
        syslog_port: u16,
        /// Cổng NetFlow/IPFIX/sFlow (UDP) trên 127.0.0.1; 0: không mở. Flow collector port; 0: none.
        #[arg(long, default_value_t = 2055)]
        flow_port: u16,
    },
    /// Chạy máy chủ thật; tự chạy migration. Production server; migrations run first.
    Serve {
        #[command(flatten)]
        store: StoreArgs,
        /// Địa chỉ lắng nghe / address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Tệp cấu hình TOML / TOML configuration file.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Vai trò của tiến trình / what this process does: all (one process), api (web UI and
        /// API), ingest (listeners, to the event stream), worker (reads the stream, stores,
        /// detects, runs the jobs). All but `all` need PostgreSQL and NATS JetStream. Default:
        /// [server] role, else all.
        #[arg(long, value_parser = ["all", "api", "ingest", "worker"])]
        role: Option<String>,
        /// NATS JetStream, e.g. nats://127.0.0.1:4222 (overrides [scale] nats_url).
        #[arg(long, env = "CANHGAC_NATS_URL")]
        nats: Option<String>,
    },
    /// Chỉ chạy migration cơ sở dữ liệu rồi thoát. Run database migrations and exit.
    Migrate {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Sao lưu trực tuyến (ảnh chụp nhất quán, kể cả tệp chứng cứ) vào một thư mục mới. Online
    /// backup: a consistent snapshot (evidence files included) into a new folder, with a
    /// digest of every table in manifest.json.
    Backup {
        #[command(flatten)]
        store: StoreArgs,
        /// Thư mục sao lưu (mới hoặc trống) / the backup folder (new or empty).
        #[arg(long)]
        out: PathBuf,
    },
    /// Khôi phục một bản sao lưu vào kho trống, kiểm tra từng bảng. Restore a backup into an
    /// empty store, checking every table against the manifest.
    Restore {
        /// Thư mục sao lưu / the backup folder.
        #[arg(long)]
        from: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
        /// Ghi đè dữ liệu đang có (dừng canhgac trước) / replace what is there (stop canhgac first).
        #[arg(long)]
        force: bool,
    },
    /// Săn lùng: tìm mọi địa chỉ trong danh sách IP Botnet trong các tệp nhật ký (thường hoặc
    /// gzip). Threat hunt: find every listed address in log files and folders.
    Hunt {
        /// Danh sách IP (TXT, CSV, XLSX, STIX, MISP…); lặp lại được. A list file; repeatable.
        #[arg(long = "list", required = true)]
        lists: Vec<PathBuf>,
        /// Định dạng kết quả / output format.
        #[arg(long, value_enum, default_value = "table")]
        format: hunt::HuntFormat,
        /// Tệp hoặc thư mục nhật ký / log files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Quét mã độc ngoại tuyến bằng luật YARA và danh sách mã băm (kể cả trong tệp zip).
    /// Offline malware scan with YARA rules and hash lists (zip archives opened within limits).
    Scan {
        /// Luật YARA: tệp hoặc thư mục các tệp .yar/.yara; lặp lại được. Rules: a file or a
        /// folder of rule files; repeatable.
        #[arg(long = "rules")]
        rules: Vec<PathBuf>,
        /// Danh sách mã băm (SHA-256/SHA-1/MD5; .hdb/.hsb của ClamAV); lặp lại được. A hash
        /// list; repeatable.
        #[arg(long = "hashes")]
        hashes: Vec<PathBuf>,
        /// Số luồng quét / worker threads (default: the machine's cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Độ sâu mở tệp nén zip (0: không mở) / how deep zip archives are opened (0: not).
        #[arg(long, default_value_t = 3)]
        archive_depth: u32,
        /// Định dạng kết quả / output format.
        #[arg(long, value_enum, default_value = "table")]
        format: scan::ScanFormat,
        /// Tệp hoặc thư mục cần quét / files or folders to scan.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Phát hiện theo luật Sigma trên tệp .evtx, JSON/JSON lines, syslog hoặc nhật ký web (thường
    /// hoặc gzip). Sigma detection over files.
    Detect {
        /// Luật Sigma: tệp .yml, thư mục hoặc .tar.gz; lặp lại được. Rules: file, folder or
        /// .tar.gz; repeatable.
        #[arg(long = "rules", required = true)]
        rules: Vec<PathBuf>,
        /// Giá trị cho các %placeholder% (dòng `tên: a, b`). Values for %placeholders%.
        #[arg(long)]
        placeholders: Option<PathBuf>,
        /// Định dạng kết quả / output format.
        #[arg(long, value_enum, default_value = "table")]
        format: detect::DetectFormat,
        /// Thử mọi luật trên mọi sự kiện, bỏ qua logsource. Test every rule on every event,
        /// ignoring log sources (as engines without log-source routing do).
        #[arg(long)]
        every_rule: bool,
        /// Tệp hoặc thư mục đầu vào / input files or folders.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
    },
    /// So sánh phiên bản theo quy tắc của từng hệ (deb, rpm, semver, pep440, generic).
    /// Compare versions under a scheme.
    Version {
        #[command(subcommand)]
        command: VersionCommand,
    },
    /// Đối chiếu cảnh báo lỗ hổng với danh mục phần mềm. Match advisories to inventories.
    Vuln {
        #[command(subcommand)]
        command: VulnCommand,
    },
    /// Dữ liệu luồng (NetFlow, IPFIX, sFlow) và tấn công mạng. Flow data and network attacks.
    Flows {
        #[command(subcommand)]
        command: flows::FlowsCommand,
    },
    /// Phản ánh tin nhắn, cuộc gọi rác (5656). Spam and fraud reports.
    Spam {
        #[command(subcommand)]
        command: spam::SpamCommand,
    },
    /// Quản lý tài khoản. Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Lịch trực. Duty roster.
    Duty {
        #[command(subcommand)]
        command: DutyCommand,
    },
}

#[derive(Subcommand)]
enum VulnCommand {
    /// Máy nào bị ảnh hưởng bởi cảnh báo nào. Which hosts each advisory affects.
    Match {
        /// Cảnh báo: OSV (tệp hoặc zip), CSAF 2.0, CVE JSON 5; tệp hoặc thư mục, lặp lại được.
        /// Advisories (OSV files or zip dumps, CSAF 2.0, CVE JSON 5); files or folders.
        #[arg(long = "advisories", required = true, num_args = 1..)]
        advisories: Vec<PathBuf>,
        /// Danh mục phần mềm: CSV host,name,version,scheme; dpkg status; rpm -qa; Windows CSV.
        /// Inventories: CSV host,name,version,scheme; dpkg status; rpm -qa; Windows export.
        #[arg(long = "inventory", required = true, num_args = 1..)]
        inventories: Vec<PathBuf>,
        /// Định dạng kết quả / output format.
        #[arg(long, value_enum, default_value = "table")]
        format: vulnmatch::MatchFormat,
    },
}

#[derive(Subcommand)]
enum DutyCommand {
    /// Ai đang trực lúc này (hoặc lúc --at dd/mm/yyyy HH:MM), theo đơn vị.
    /// Who is on duty now (or at --at dd/mm/yyyy HH:MM), by organisation.
    Now {
        #[command(flatten)]
        store: StoreArgs,
        /// Thời điểm / the moment, dd/mm/yyyy HH:MM (giờ Việt Nam / Viet Nam time).
        #[arg(long)]
        at: Option<String>,
    },
}

#[derive(Subcommand)]
enum VersionCommand {
    /// Đọc từng dòng "A B" từ đầu vào chuẩn, in <, = hoặc > cho mỗi dòng.
    /// Reads lines "A B" from standard input and prints <, = or > for each.
    Compare {
        /// deb, rpm, semver, pep440 hoặc generic.
        #[arg(long)]
        scheme: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Thêm tài khoản. Add a user.
    Add {
        #[command(flatten)]
        store: StoreArgs,
        /// Thư điện tử đăng nhập / log-in e-mail.
        #[arg(long)]
        email: String,
        /// Mật khẩu (ít nhất 10 ký tự) / password (at least 10 characters).
        #[arg(long, env = "CANHGAC_PASSWORD")]
        password: String,
        /// Vai trò / role: dic_admin, dic_operator, org_admin, org_staff, telecom_staff, viewer.
        #[arg(long)]
        role: String,
        /// Mã đơn vị (bắt buộc với org_admin, org_staff, telecom_staff) / organisation code.
        #[arg(long)]
        org: Option<String>,
        /// Họ và tên / full name.
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Args, Clone)]
#[group(required = false, multiple = false)]
struct StoreArgs {
    /// Thư mục dữ liệu nhúng (SQLite) / embedded store folder.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Địa chỉ PostgreSQL / PostgreSQL URL, e.g. postgres://canhgac@127.0.0.1/canhgac.
    #[arg(long, env = "CANHGAC_DATABASE_URL")]
    database: Option<String>,
}

impl StoreArgs {
    async fn open(&self, fallback: Option<&Path>) -> Result<Store> {
        match (&self.database, &self.data, fallback) {
            (Some(url), _, _) => Store::open_postgres(url).await.context("cannot open the PostgreSQL database"),
            (None, Some(dir), _) => Store::open_sqlite(dir).await.with_context(|| format!("cannot open the data folder {}", dir.display())),
            (None, None, Some(dir)) => Store::open_sqlite(dir).await.with_context(|| format!("cannot open the data folder {}", dir.display())),
            (None, None, None) => bail!("say where the data is: --data DIR (embedded) or --database postgres://… (cần --data hoặc --database)"),
        }
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Errors are printed as a sentence with their causes, never as a backtrace.
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Lỗi / error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default_filter(&cli.command, cli.verbose).into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Command::Demo {
            data,
            listen,
            password,
            no_live,
            syslog_port,
            flow_port,
        } => demo(&data, listen, password, no_live, (syslog_port, flow_port)).await,
        Command::Serve {
            store,
            listen,
            config,
            role,
            nats,
        } => {
            let file: ConfigFile = match &config {
                Some(p) => toml::from_str(
                    &std::fs::read_to_string(p)
                        .with_context(|| format!("cannot read {}", p.display()))?,
                )
                .with_context(|| format!("{} is not a valid configuration", p.display()))?,
                None => ConfigFile::default(),
            };
            let args = StoreArgs {
                data: store.data.or(file.store.data.clone()),
                database: store.database.or(file.store.database.clone()),
            };
            let st = args.open(None).await?;
            let listen = listen
                .or(file.server.listen)
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
            let mut cfg = server_config(listen, &file.server)?;
            file.monitor.apply(&mut cfg.monitor)?;
            cfg.monitor.spool = file.monitor.spool(
                args.database
                    .is_none()
                    .then_some(args.data.as_deref())
                    .flatten(),
            );
            file.flows.apply(&mut cfg.flows)?;
            if let Some(url) = &file.mail.smtp_url {
                let from = file
                    .mail
                    .from
                    .as_deref()
                    .context("[mail] smtp_url needs from (the sender's address)")?;
                let m = canhgac_ops::mail::Mailer::from_url(url, from)
                    .map_err(|e| anyhow::anyhow!("[mail]: {e}"))?;
                eprintln!("mail: {}", m.describe());
                cfg.mailer = Some(std::sync::Arc::new(m));
            }
            cfg.rule_check = Some(agents_tls::checker());
            let agents = match file.agents.listen {
                Some(a) => {
                    let data = args.data.clone().unwrap_or_else(|| PathBuf::from("."));
                    let names = file
                        .agents
                        .url
                        .as_deref()
                        .and_then(canhgac_domain::oncall::split_url)
                        .map(|(_, host, _)| vec![host.to_string()])
                        .unwrap_or_else(|| vec!["localhost".into()]);
                    let (tls, pin) = agents_tls::tls_config(
                        &data,
                        file.agents.tls_cert.as_deref(),
                        file.agents.tls_key.as_deref(),
                        names,
                    )?;
                    cfg.agent_url = Some(
                        file.agents
                            .url
                            .clone()
                            .unwrap_or_else(|| format!("https://{a}")),
                    );
                    cfg.agent_pin = pin;
                    Some((a, tls))
                }
                None => None,
            };
            let role = role
                .or(file.server.role.clone())
                .unwrap_or_else(|| "all".into());
            let role = canhgac_server::ProcessRole::parse(&role)
                .with_context(|| format!("no role '{role}': use all, api, ingest or worker"))?;
            let extra = scale::prepare(role, &st, file.scale.config(nats), &mut cfg).await?;
            serve(st, listen, cfg, agents, extra).await
        }
        Command::Hunt {
            lists,
            format,
            paths,
        } => hunt::run(&lists, format, &paths).map(|_| ()),
        Command::Scan {
            rules,
            hashes,
            threads,
            archive_depth,
            format,
            paths,
        } => scan::run(&rules, &hashes, threads, archive_depth, format, &paths),
        Command::Detect {
            rules,
            placeholders,
            format,
            every_rule,
            inputs,
        } => detect::run(&rules, placeholders.as_deref(), format, every_rule, &inputs).map(|_| ()),
        Command::Version {
            command: VersionCommand::Compare { scheme },
        } => version_compare(&scheme),
        Command::Vuln {
            command:
                VulnCommand::Match {
                    advisories,
                    inventories,
                    format,
                },
        } => vulnmatch::run(&advisories, &inventories, format),
        Command::Flows { command } => flows::run(command).await,
        Command::Spam { command } => match command {
            spam::SpamCommand::Parse => spam::parse_stdin(),
            spam::SpamCommand::Classify { threshold } => spam::classify_stdin(threshold),
            spam::SpamCommand::Train { data, out } => spam::train(&data, &out),
            spam::SpamCommand::Import {
                org,
                data,
                database,
                file,
            } => spam::import(&org, data.as_deref(), database.as_deref(), &file).await,
        },
        Command::Migrate { store } => {
            let st = store.open(None).await?;
            eprintln!("migrations applied ({})", st.backend());
            Ok(())
        }
        Command::Backup { store, out } => {
            let st = store.open(None).await?;
            let m = backup::backup(&st, store.database.as_deref(), &out).await?;
            let rows: i64 = m.tables.iter().map(|t| t.rows).sum();
            println!(
                "đã sao lưu / backed up: {} ({}, {} tables, {rows} rows, {} bytes, SHA-256 {})",
                out.display(),
                m.backend,
                m.tables.len(),
                m.file_bytes,
                m.file_sha256
            );
            Ok(())
        }
        Command::Restore { from, store, force } => {
            let m = backup::restore(
                &from,
                store.data.as_deref(),
                store.database.as_deref(),
                force,
            )
            .await?;
            let rows: i64 = m.tables.iter().map(|t| t.rows).sum();
            println!(
                "đã khôi phục / restored: {} tables, {rows} rows, each identical to the backup of {}",
                m.tables.len(),
                m.created_at
            );
            Ok(())
        }
        Command::Duty {
            command: DutyCommand::Now { store, at },
        } => duty::now(store, at).await,
        Command::User {
            command:
                UserCommand::Add {
                    store,
                    email,
                    password,
                    role,
                    org,
                    name,
                },
        } => {
            let st = store.open(None).await?;
            let role = Role::parse(&role).with_context(|| format!("no role '{role}': use dic_admin, dic_operator, org_admin, org_staff, telecom_staff or viewer"))?;
            if let Err((_, en)) = auth::check_password_policy(&password) {
                bail!(en);
            }
            let org_id = match org {
                Some(code) => Some(
                    *st.org_codes()
                        .await?
                        .get(&code.to_uppercase())
                        .with_context(|| format!("no organisation with code '{code}'"))?,
                ),
                None => None,
            };
            let hash = auth::hash_password(&password).map_err(anyhow::Error::msg)?;
            let u = st
                .create_user(
                    &Scope::All,
                    &Actor::system("cli"),
                    &NewUser {
                        full_name: name.unwrap_or_else(|| email.clone()),
                        email,
                        password_hash: hash,
                        role,
                        org_id,
                    },
                )
                .await?;
            println!("user {} created (id {}, role {})", u.email, u.id, u.role);
            Ok(())
        }
    }
}

/// `canhgac version compare`: one answer per input line; a bad line is answered `?` and named
/// on standard error, and the exit status says whether every line was good.
fn version_compare(scheme: &str) -> Result<()> {
    use std::io::{BufRead, Write};
    let scheme = canhgac_vuln::Scheme::parse(scheme).with_context(|| {
        format!("no scheme '{scheme}': use deb, rpm, semver, pep440 or generic")
    })?;
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut bad = 0usize;
    for (i, line) in stdin.lock().lines().enumerate() {
        let line = line?;
        let mut parts = line.split_whitespace();
        let answer = match (parts.next(), parts.next(), parts.next()) {
            (Some(a), Some(b), None) => match canhgac_vuln::compare(scheme, a, b) {
                Ok(std::cmp::Ordering::Less) => "<",
                Ok(std::cmp::Ordering::Equal) => "=",
                Ok(std::cmp::Ordering::Greater) => ">",
                Err(e) => {
                    eprintln!("line {}: {e}", i + 1);
                    bad += 1;
                    "?"
                }
            },
            _ => {
                eprintln!("line {}: expected two versions separated by a space", i + 1);
                bad += 1;
                "?"
            }
        };
        writeln!(out, "{answer}")?;
    }
    out.flush()?;
    if bad > 0 {
        bail!("{bad} line(s) could not be compared");
    }
    Ok(())
}

async fn serve(
    store: Store,
    listen: SocketAddr,
    cfg: ServerConfig,
    agents: Option<(SocketAddr, std::sync::Arc<rustls::ServerConfig>)>,
    extra: scale::Extra,
) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let role = cfg.role;
    tracing::info!(%listen, backend = store.backend(), role = role.as_str(), "canhgac is serving");
    let state = AppState::new(store, cfg);
    if let Some((a, tls)) = agents.filter(|_| role.listens()) {
        let bound = agents_tls::start(a, tls, state.clone()).await?;
        tracing::info!(%bound, "agents' HTTPS listening");
    }
    let worker = scale::start(extra, &state);
    let served = canhgac_server::serve(listener, state).await;
    if let Some(w) = worker {
        w.stop().await;
    }
    served?;
    Ok(())
}

/// Binds the web port, or says in both languages that it is taken and how to choose another.
async fn bind_web(listen: SocketAddr) -> Result<tokio::net::TcpListener> {
    match tokio::net::TcpListener::bind(listen).await {
        Ok(l) => Ok(l),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            let other = SocketAddr::new(listen.ip(), listen.port().wrapping_add(1).max(1));
            bail!(
                "cổng web {listen} đang được dùng (có thể bởi một bản demo khác); chọn cổng khác bằng --listen {other}. \
                 The web port {listen} is in use (perhaps by another demo); choose another with --listen {other}"
            )
        }
        Err(e) => Err(e).with_context(|| format!("cannot listen on {listen}")),
    }
}

/// The demo's syslog ports, tried before the server starts: the sockets are held until the
/// server is about to bind them itself, so the banner names only listeners that can start.
struct SyslogPorts {
    port: u16,
    udp: std::io::Result<std::net::UdpSocket>,
    tcp: std::io::Result<std::net::TcpListener>,
}

impl SyslogPorts {
    fn try_bind(port: u16) -> Option<SyslogPorts> {
        (port != 0).then(|| {
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            SyslogPorts {
                port,
                udp: std::net::UdpSocket::bind(addr),
                tcp: std::net::TcpListener::bind(addr),
            }
        })
    }

    fn udp(&self) -> Option<SocketAddr> {
        self.udp.as_ref().ok().and_then(|s| s.local_addr().ok())
    }

    fn tcp(&self) -> Option<SocketAddr> {
        self.tcp.as_ref().ok().and_then(|s| s.local_addr().ok())
    }

    /// The banner's line: what listens, or why not and what to do.
    fn banner(this: Option<&SyslogPorts>) -> String {
        let Some(p) = this else {
            return "Syslog: không mở (--syslog-port 0) / not listening".into();
        };
        let port = p.port;
        let busy = |r: &std::io::Error| {
            if r.kind() == std::io::ErrorKind::AddrInUse {
                "cổng đang được dùng / port in use".to_string()
            } else {
                r.to_string()
            }
        };
        let other = port.wrapping_add(1).max(1);
        let choose =
            format!("chọn cổng khác / choose another: --syslog-port {other} (0: không mở / none)");
        match (&p.udp, &p.tcp) {
            (Ok(_), Ok(_)) => format!(
                "Syslog: UDP và TCP 127.0.0.1:{port} (logger -n 127.0.0.1 -P {port} --udp \"…\")"
            ),
            (Ok(_), Err(e)) => format!(
                "Syslog: UDP 127.0.0.1:{port} (logger -n 127.0.0.1 -P {port} --udp \"…\"); TCP không mở / not listening: {}; {choose}",
                busy(e)
            ),
            (Err(e), Ok(_)) => format!(
                "Syslog: TCP 127.0.0.1:{port} (logger -n 127.0.0.1 -P {port} --tcp \"…\"); UDP không mở / not listening: {}; {choose}",
                busy(e)
            ),
            (Err(e), Err(_)) => format!(
                "Syslog: KHÔNG MỞ / NOT LISTENING — 127.0.0.1:{port}: {} (có thể bởi một bản demo khác / perhaps another demo); {choose}",
                busy(e)
            ),
        }
    }
}

async fn demo(
    data: &Path,
    listen: SocketAddr,
    password: Option<String>,
    no_live: bool,
    (syslog_port, flow_port): (u16, u16),
) -> Result<()> {
    // The ports first: a second demo on the same machine says at once what is taken.
    let listener = bind_web(listen).await?;
    let syslog = SyslogPorts::try_bind(syslog_port);
    let store = Store::open_sqlite(data)
        .await
        .with_context(|| format!("cannot open the data folder {}", data.display()))?;
    let pw_file = data.join("demo-login.txt");
    let from_file = std::fs::read_to_string(&pw_file)
        .ok()
        .and_then(|t| canhgac_demo::password_in_login_sheet(&t));
    let password = match password {
        Some(p) => p,
        None => match &from_file {
            Some(p) => p.clone(),
            None => format!("LaiChau-{}", &auth::random_token()[..10]),
        },
    };
    if let Err((_, en)) = auth::check_password_policy(&password) {
        bail!(en);
    }
    let hash = auth::hash_password(&password).map_err(anyhow::Error::msg)?;
    let seeded = canhgac_demo::seed(&store, &hash)
        .await
        .context("cannot seed the demo province")?;
    // The accounts' password: the one just given to them, else the one the sheet kept.
    let known = if seeded.fresh {
        Some(password)
    } else {
        from_file
    };
    if let Some(p) = &known {
        // Rewritten on every start, so a folder seeded by an older demo gets the full sheet.
        write_private(&pw_file, &canhgac_demo::login_sheet(p))?;
    }
    if seeded.fresh {
        let summary: Vec<String> = seeded
            .counts
            .iter()
            .map(|(k, n)| format!("{n} {}", k.slug()))
            .collect();
        eprintln!("demo province seeded: {}", summary.join(", "));
        let lists = store.botnet_lists().await?.len();
        let (_, advisories) = store.list_advisories(&Scope::All, None, 1, 0).await?;
        let findings = store
            .list_scan_findings(&Scope::All, Some("open"))
            .await?
            .len();
        eprintln!("  with {lists} Botnet IP lists, {advisories} advisories and {findings} scanner findings, their tasks and signals");
    }
    let mut cfg = ServerConfig {
        secure_cookies: !listen.ip().is_loopback(),
        public_url: format!("http://{listen}"),
        ..ServerConfig::default()
    };
    // Syslog from the demo machine itself: `logger -n 127.0.0.1 -P 5514 --udp "…"`; only the
    // listeners whose port was free.
    cfg.monitor.syslog_udp = syslog.as_ref().and_then(SyslogPorts::udp);
    cfg.monitor.syslog_tcp = syslog.as_ref().and_then(SyslogPorts::tcp);
    // RELP (rsyslog's omrelp) on the next port, when it is free.
    cfg.monitor.syslog_relp = syslog
        .as_ref()
        .filter(|p| p.tcp().is_some())
        .map(|p| SocketAddr::from(([127, 0, 0, 1], p.port.wrapping_add(1))))
        .filter(|a| std::net::TcpListener::bind(a).is_ok());
    // What the syslog ports take is spooled on disk before it is stored.
    cfg.monitor.spool = Some(canhgac_ops::spool::SpoolConfig::new(
        data.join("spool"),
        1 << 30,
    ));
    cfg.rule_check = Some(agents_tls::checker());
    // The operators' simulated routers send NetFlow to 127.0.0.1:2055 (if free).
    let flows = flows::demo_port(flow_port);
    cfg.flows.listen = flows.0;
    // Agents reach the demo over HTTPS on the next port but one, with a certificate made in
    // the data folder (the enrolment command pins it).
    let agent_listen = SocketAddr::new(listen.ip(), listen.port().wrapping_add(363).max(1));
    let agent_tls = agents_tls::tls_config(
        data,
        None,
        None,
        vec!["localhost".into(), listen.ip().to_string()],
    )?;
    cfg.agent_url = Some(format!("https://{agent_listen}"));
    cfg.agent_pin = agent_tls.1.clone();
    let state = AppState::new(store.clone(), cfg);
    canhgac_demo::monitoring::load_rules(&store, &state.monitor)
        .await
        .context("cannot load the demo province's Sigma rules")?;
    if seeded.fresh {
        let n = canhgac_demo::monitoring::backfill(&store, &state.monitor, 6)
            .await
            .context("cannot feed the demo's log history")?;
        eprintln!("  and {n} log events of the last 6 hours through the Sigma rules");
        let n = canhgac_demo::incidents::seed(&store)
            .await
            .context("cannot seed the demo's incidents")?;
        eprintln!("  and {n} incidents in different stages, with the six response plans");
        let n = canhgac_demo::duty::seed(&store)
            .await
            .context("cannot seed the demo's duty rosters")?;
        eprintln!("  and {n} duty rosters");
        let n = canhgac_demo::directives::seed(&store)
            .await
            .context("cannot seed the demo's directives")?;
        eprintln!("  and dispatch 737 as a directive, {n} items across its recipients");
        let n = canhgac_demo::periods::seed(&store)
            .await
            .context("cannot seed the demo's heightened period")?;
        eprintln!("  and a heightened period around today, {n} daily reports received");
        let n = canhgac_demo::oncall::seed(
            &store,
            canhgac_domain::time::now_ms(),
            &format!("http://{listen}"),
        )
        .await
        .context("cannot seed the demo's on-call pages")?;
        eprintln!("  and {n} on-call pages of the last 45 minutes");
        let n = canhgac_demo::malware::seed(&store, &state.monitor)
            .await
            .context("cannot seed the demo's agents")?;
        eprintln!(
            "  and {n} endpoint agents with their scans, malware alerts and a hunt under way"
        );
        let n = canhgac_demo::spam::seed(&store)
            .await
            .context("cannot seed spam reports")?;
        eprintln!("  and {n} spam and fraud reports across the three operators");
        let n = canhgac_demo::flows::seed(&store)
            .await
            .context("cannot seed flow data")?;
        eprintln!("  and a day of the operators' flow data, {n} attacks seen in it");
        let n = canhgac_demo::reports::seed(&store)
            .await
            .context("cannot seed the report schedules")?;
        eprintln!("  and four report schedules, {n} copies made by the scheduler");
    }
    if !no_live {
        // A signal of the capabilities without their own feed every five minutes, and log
        // traffic every three seconds (an attack every two and a half minutes on average):
        // a few dozen alerts an hour, as a duty team would see.
        tokio::spawn(canhgac_demo::live_feed(
            store.clone(),
            std::time::Duration::from_secs(300),
        ));
        // Now and then a national-platform alert, as IRLab would push it.
        tokio::spawn(canhgac_demo::incidents::live_platform(
            store.clone(),
            std::time::Duration::from_secs(20 * 60),
        ));
        // The simulated agents heartbeat, take commands and advance their scans.
        tokio::spawn(canhgac_demo::malware::live(
            store.clone(),
            state.monitor.clone(),
            std::time::Duration::from_secs(15),
        ));
        tokio::spawn(canhgac_demo::spam::live(
            store.clone(),
            std::time::Duration::from_secs(20),
        ));
        if let Some(to) = state.config.flows.listen {
            tokio::spawn(canhgac_demo::flows::live(store.clone(), to));
        }
        tokio::spawn(canhgac_demo::monitoring::live(
            store.clone(),
            state.monitor.clone(),
            std::time::Duration::from_millis(canhgac_demo::monitoring::LIVE_EVERY_MS as u64),
        ));
    }
    let agents_at = agents_tls::start(agent_listen, agent_tls.0, state.clone()).await;
    let url = format!("http://{}", listener.local_addr()?);
    println!();
    println!("  canhgac đang chạy / is running:  {url}");
    println!();
    match &known {
        None => println!("  (this data folder was seeded before its login file was kept; use `canhgac user add` to add an administrator)"),
        Some(p) => {
            println!("  Tài khoản mẫu, một cho mỗi vai trò / demo accounts, one per role");
            println!("  (mật khẩu chung / shared password: {p}; cũng ghi trong / also in {}):", pw_file.display());
            println!();
            for line in canhgac_demo::accounts_table() {
                println!("    {}", line.trim_end());
            }
        }
    }
    println!();
    println!("  {}", SyslogPorts::banner(syslog.as_ref()));
    println!("  {}", flows.1);
    match &agents_at {
        Ok(a) => println!("  Tác tử kết nối / agents connect to: https://{a} (canhgac-agent enrol …, lệnh ở trang /agents)"),
        Err(e) => println!("  Tác tử: không mở được cổng / agents: {e:#}"),
    }
    println!();
    // The server binds the syslog ports it was given as it starts: free them for it now.
    drop(syslog);
    canhgac_server::serve(listener, state).await?;
    Ok(())
}

fn write_private(path: &Path, content: &str) -> Result<()> {
    std::fs::write(path, format!("{}\n", content.trim_end()))
        .with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}
