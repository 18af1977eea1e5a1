//! `canhgac-agent enrol …` once, then `canhgac-agent run` (the systemd unit).

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// canhgac-agent — tác tử giám sát và quét mã độc trên máy chủ, máy trạm.
/// The canhgac endpoint agent.
#[derive(Parser)]
#[command(name = "canhgac-agent", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Đăng ký với máy chủ bằng mã một lần. Enrol with a one-time token.
    Enrol {
        /// https://host:port
        #[arg(long)]
        server: String,
        /// The one-time token (cge_…).
        #[arg(long)]
        token: String,
        /// sha256:<hex> of the server's certificate, when it made its own.
        #[arg(long)]
        pin: Option<String>,
        /// State folder.
        #[arg(long, default_value = "/var/lib/canhgac-agent")]
        state_dir: PathBuf,
    },
    /// Chạy tác tử. Run the agent.
    Run {
        /// State folder.
        #[arg(long, default_value = "/var/lib/canhgac-agent")]
        state_dir: PathBuf,
        /// Most bytes queued on disk while the server is away (MiB).
        #[arg(long, default_value_t = 256)]
        queue_mib: u64,
        /// The loop's tick in milliseconds.
        #[arg(long, default_value_t = 1000)]
        tick_ms: u64,
        /// dpkg's status file.
        #[arg(long, default_value = "/var/lib/dpkg/status")]
        dpkg_status: PathBuf,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let r = match cli.command {
        Cmd::Enrol {
            server,
            token,
            pin,
            state_dir,
        } => canhgac_agent::enrol(&server, &token, pin.as_deref(), &state_dir).map(|id| {
            println!(
                "Đã đăng ký: tác tử #{} / enrolled as agent #{} ({})",
                id.agent_id,
                id.agent_id,
                state_dir.display()
            );
        }),
        Cmd::Run {
            state_dir,
            queue_mib,
            tick_ms,
            dpkg_status,
        } => {
            let mut o = canhgac_agent::RunOptions::new(state_dir);
            o.queue_max_bytes = queue_mib.max(1) * 1024 * 1024;
            o.tick = std::time::Duration::from_millis(tick_ms.clamp(50, 60_000));
            o.dpkg_status = dpkg_status;
            canhgac_agent::run(o)
        }
    };
    match r {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("canhgac-agent: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
