//! `cargo xtask <command>`: the build steps that need more than one cargo call.
//!
//! A plain dispatcher over `std::env::args`: each command is one function taking the
//! remaining arguments, so adding one means one match arm and one line of usage.

mod spa;

use anyhow::{Result, bail};

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  dist [--release]   build the SPA to wasm and write dist/ (index.html, pkg/, style.css)
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
