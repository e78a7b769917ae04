//! Runs a sandbox until Ctrl-C, like `cloud-backup sandbox serve` will.
//!
//! ```sh
//! cargo run -p cloud-sandbox --example sandbox_serve -- --port 8080
//! ```
//!
//! Then point any client at the endpoint it prints, with the demo credentials it prints.

use cloud_sandbox::SandboxConfig;

fn main() -> std::io::Result<()> {
    let mut config = SandboxConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next().map(|v| v.parse::<u16>())) {
            ("--port", Some(Ok(port))) => config = config.with_port(port),
            _ => {
                eprintln!("usage: sandbox_serve [--port N]");
                std::process::exit(2);
            }
        }
    }
    cloud_sandbox::serve(config)
}
