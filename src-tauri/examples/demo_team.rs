//! The demo team on its own: an embedded relay on 127.0.0.1 and three demo peers who take
//! requests and answer, printing the invite link a Peerline build without demo mode can
//! join. Runs until Ctrl-C or until its standard input closes (so a test harness that
//! started it cannot leave it behind).

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let demo = match peerline_app_lib::demo::start().await {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: the demo team could not start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("{}", demo.invite);
    let stdin_closed = tokio::task::spawn_blocking(|| {
        let mut sink = Vec::new();
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
    });
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = stdin_closed => {}
    }
    demo.relay.stop().await;
    std::process::ExitCode::SUCCESS
}
