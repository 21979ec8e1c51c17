//! `cargo xtask <command>`: the build steps that need more than one cargo call.
//!
//! A plain dispatcher over `std::env::args`: each command is one function taking the
//! remaining arguments, so adding one means one match arm and one line of usage.

mod postgres;
mod run;
mod setup;
mod spa;
mod test;

use anyhow::{Result, bail};

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  run [-- ARGS]      build the SPA and the server (release) and run the product
                     on its embedded default: http://127.0.0.1:8080/
  test               the whole test suite, as CI runs it (installs what is missing)
  dist [--release]   build the SPA to wasm and write dist/ (index.html, boot.js, pkg/, style.css)
  help               show this message
";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = match args.split_first() {
        Some((command, rest)) => (command.as_str(), rest),
        None => ("help", &[][..]),
    };
    match command {
        "dist" => dist(rest),
        "run" => run::run(rest.strip_prefix(&["--".to_string()][..]).unwrap_or(rest)),
        "test" => test::run(),
        "help" | "-h" | "--help" => {
            print!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown command {other:?}\n\n{USAGE}"),
    }
}

fn dist(args: &[String]) -> Result<()> {
    let mut release = false;
    for arg in args {
        match arg.as_str() {
            "--release" | "-r" => release = true,
            other => bail!("dist: unknown option {other:?}\n\n{USAGE}"),
        }
    }
    let dir = spa::build_dist(release)?;
    println!("dist written to {}", dir.display());
    Ok(())
}

/// A `cargo` command in the workspace root without the variables `cargo run` set for xtask
/// itself, which would otherwise make build scripts rerun in every child build.
pub fn cargo() -> std::process::Command {
    let mut cmd = std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(spa::workspace_root());
    for (name, _) in std::env::vars_os() {
        if spa::is_run_env(&name) {
            cmd.env_remove(&name);
        }
    }
    cmd
}
