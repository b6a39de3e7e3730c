//! `peerline-relay`: the relay server and the coordinator's commands.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
