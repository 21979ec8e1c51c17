//! The product carries no venue fakes: they live in the `fakes` crate, which the server only
//! dev-depends on. This guards the three ways one could creep back in: a `mod fake` in the
//! server's source, `fakes` as a normal dependency, and a `fake` subcommand in `server --help`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_server_source_has_no_fake_module_and_no_use_of_the_fakes_crate() {
    let mut files = Vec::new();
    rust_files(&manifest_dir().join("src"), &mut files);
    assert!(files.len() > 50, "found only {} source files: wrong directory?", files.len());
    assert!(!manifest_dir().join("src/fake").exists(), "server/src/fake/ is back");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue; // docs may name the fakes; code may not
            }
            let declares = code.starts_with("mod fake") || code.starts_with("pub mod fake");
            assert!(!declares, "{}:{}: a fake module in the product: {line}", file.display(), n + 1);
            assert!(
                !code.contains("fakes::"),
                "{}:{}: the product uses the fakes crate: {line}",
                file.display(),
                n + 1
            );
        }
    }
}

#[test]
fn the_fakes_crate_is_only_a_dev_dependency() {
    let manifest = std::fs::read_to_string(manifest_dir().join("Cargo.toml")).expect("server/Cargo.toml");
    let mut section = String::new();
    let mut seen = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line.to_owned();
        } else if line.starts_with("fakes") {
            assert_eq!(section, "[dev-dependencies]", "`{line}` must stay a dev-dependency");
            seen = true;
        }
    }
    assert!(seen, "the tests use the fakes crate, so it is listed under [dev-dependencies]");
}

#[test]
fn server_help_lists_no_fake_command() {
    let out = Command::new(env!("CARGO_BIN_EXE_server")).arg("--help").output().expect("server --help runs");
    assert!(out.status.success(), "server --help failed: {}", String::from_utf8_lossy(&out.stderr));
    let help = String::from_utf8_lossy(&out.stdout);
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(commands.contains(&"run") && commands.contains(&"doctor"), "commands not found in:\n{help}");
    assert!(!commands.iter().any(|c| c.contains("fake")), "a fake command in:\n{help}");
    assert!(!help.to_lowercase().contains("fake"), "help mentions a fake:\n{help}");
}
