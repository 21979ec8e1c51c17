//! Builds the single-page app: `frontend` to wasm32, wasm-bindgen (as a library, so no
//! separately installed CLI can drift from the pinned `wasm-bindgen` version), an optional
//! `wasm-opt`, and `dist/` at the workspace root, which the server serves as static files.

use anyhow::{Context, Result, bail};
use std::ffi::OsStr;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const WASM_TARGET: &str = "wasm32-unknown-unknown";
const CRATE: &str = "frontend";

/// Build the SPA and write `<workspace>/dist`; returns that directory.
pub fn build_dist(release: bool) -> Result<PathBuf> {
    let root = workspace_root();
    let target_dir = target_dir(&root);
    let wasm = cargo_build_wasm(&root, &target_dir, release)?;

    let staging = target_dir.join("xtask").join("bindgen");
    if staging.exists() {
        fs::remove_dir_all(&staging).with_context(|| format!("clearing {}", staging.display()))?;
    }
    bindgen(&wasm, &staging, release)?;
    let wasm_out = staging.join(format!("{CRATE}_bg.wasm"));
    if release {
        optimize(&root, &wasm_out);
    }

    let dist = root.join("dist");
    write_dist(&root, &staging, &dist)?;
    report_sizes(&dist.join("pkg").join(format!("{CRATE}_bg.wasm")))?;
    Ok(dist)
}

pub fn workspace_root() -> PathBuf {
    // xtask lives one level below the workspace root.
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// The child cargo runs in the workspace root, so a relative CARGO_TARGET_DIR means the same
/// directory to it and to us.
pub fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root.join(dir),
        _ => root.join("target"),
    }
}

/// True for the variables `cargo run` sets for the xtask binary itself. Passed on to the
/// child cargo they change the environment its build scripts see (ring's reruns on
/// `CARGO_PKG_*`), so every dist would recompile them.
pub fn is_run_env(name: &OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with("CARGO_PKG_")
        || name.starts_with("CARGO_MANIFEST_")
        || matches!(name.as_ref(), "CARGO_CRATE_NAME" | "CARGO_BIN_NAME" | "CARGO_PRIMARY_PACKAGE")
}

fn cargo_build_wasm(root: &Path, target_dir: &Path, release: bool) -> Result<PathBuf> {
    let profile = if release { "wasm-release" } else { "dev" };
    let mut cmd = crate::cargo();
    cmd.current_dir(root)
        .args(["build", "--package", CRATE, "--target", WASM_TARGET, "--profile", profile])
        .env("CARGO_TARGET_DIR", target_dir);
    println!("building {CRATE} for {WASM_TARGET} ({profile})");
    let status = cmd.status().context("running cargo build for the SPA")?;
    if !status.success() {
        bail!("cargo build of {CRATE} failed ({status})");
    }
    // Cargo names the dev profile's output directory "debug".
    let profile_dir = if release { "wasm-release" } else { "debug" };
    let wasm = target_dir.join(WASM_TARGET).join(profile_dir).join(format!("{CRATE}.wasm"));
    if !wasm.is_file() {
        bail!("cargo reported success but {} is missing", wasm.display());
    }
    Ok(wasm)
}

fn bindgen(wasm: &Path, out_dir: &Path, release: bool) -> Result<()> {
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(wasm)
        // Function names are half the size of a release module; dev builds keep them for
        // readable panics in the console.
        .remove_name_section(release)
        .remove_producers_section(release)
        .out_name(CRATE)
        .web(true)?
        // Keep `new URL('frontend_bg.wasm', import.meta.url)` as init()'s default: omitted, a
        // bare `init()` hands `undefined` to WebAssembly.instantiate and the page stays blank.
        .omit_default_module_path(false)
        .typescript(false)
        .generate(out_dir)
        .with_context(|| format!("wasm-bindgen on {}", wasm.display()))
}

/// Shrink the wasm with `wasm-opt` from npm's `binaryen` when one is installed, either in
/// the workspace's node_modules or where `npx` finds it without downloading. Debian's
/// binaryen is too old for the features rustc now emits by default and breaks the module,
/// so it is deliberately not looked for. Any failure keeps the unoptimised file.
fn optimize(root: &Path, wasm: &Path) {
    let local = root.join("node_modules").join(".bin").join("wasm-opt");
    let mut base = if local.is_file() {
        Command::new(local)
    } else {
        let mut npx = Command::new("npx");
        npx.args(["--no-install", "wasm-opt"]);
        npx
    };
    let probe = Command::new(base.get_program())
        .args(base.get_args())
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !matches!(probe, Ok(s) if s.success()) {
        return;
    }
    let optimized = wasm.with_extension("opt.wasm");
    // The features rustc enables by default for wasm32-unknown-unknown; wasm-opt must be
    // told, or it rejects (or miscompiles) the module.
    let features = [
        "--enable-bulk-memory",
        "--enable-nontrapping-float-to-int",
        "--enable-sign-ext",
        "--enable-mutable-globals",
        "--enable-reference-types",
        "--enable-multivalue",
    ];
    let status = base.args(["-Oz", "--strip-debug"]).args(features).arg(wasm).arg("-o").arg(&optimized).status();
    match status {
        Ok(s) if s.success() => {
            if let Err(e) = fs::rename(&optimized, wasm) {
                eprintln!("wasm-opt: keeping the unoptimised wasm ({e})");
            } else {
                println!("wasm-opt -Oz applied");
            }
        }
        other => eprintln!("wasm-opt failed ({other:?}); keeping the unoptimised wasm"),
    }
}

fn write_dist(root: &Path, staging: &Path, dist: &Path) -> Result<()> {
    // Start from an empty directory so no file of an older build is ever served.
    if dist.exists() {
        fs::remove_dir_all(dist).with_context(|| format!("clearing {}", dist.display()))?;
    }
    let pkg = dist.join("pkg");
    copy_dir(staging, &pkg)?;

    let css = root.join("style").join("main.css");
    fs::copy(&css, dist.join("style.css")).with_context(|| format!("copying {}", css.display()))?;

    let wasm = fs::read(pkg.join(format!("{CRATE}_bg.wasm")))?;
    let js = fs::read(pkg.join(format!("{CRATE}.js")))?;
    let css = fs::read(dist.join("style.css"))?;
    let version = format!("{:016x}", fnv1a(&[&wasm, &js, &css]));
    fs::write(dist.join("index.html"), index_html(&version)).context("writing index.html")?;
    fs::write(dist.join("boot.js"), boot_js(&version)).context("writing boot.js")?;
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let dest = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &dest)?;
        } else {
            fs::copy(entry.path(), &dest).with_context(|| format!("copying {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// The page shell. The `?v=` query makes every build's JS, wasm and CSS new URLs, so a browser
/// never pairs a cached glue file with a newer wasm (their imports must match exactly). The
/// page has no inline script: the server's Content-Security-Policy allows scripts from files
/// only, so the loader is `boot.js` ([`boot_js`]).
fn index_html(version: &str) -> String {
    format!(
        r##"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="color-scheme" content="dark">
  <meta name="theme-color" content="#0b0f14">
  <title>Funding Arb</title>
  <link rel="stylesheet" href="/style.css?v={version}">
  <link rel="modulepreload" href="/pkg/{CRATE}.js?v={version}">
  <link rel="preload" href="/pkg/{CRATE}_bg.wasm?v={version}" as="fetch" type="application/wasm" crossorigin>
  <script type="module" src="/boot.js?v={version}"></script>
</head>
<body>
  <noscript>
    <p class="noscript">This dashboard is a WebAssembly app: enable JavaScript to use it.</p>
  </noscript>
</body>
</html>
"##
    )
}

/// Starts the wasm app, or says on the page why it could not.
fn boot_js(version: &str) -> String {
    format!(
        r##"import init from "/pkg/{CRATE}.js?v={version}";
init({{ module_or_path: "/pkg/{CRATE}_bg.wasm?v={version}" }}).catch((err) => {{
  console.error(err);
  const p = document.createElement("p");
  p.className = "boot-error";
  p.textContent = "The app failed to start: " + err;
  document.body.append(p);
}});
"##
    )
}

/// FNV-1a over the build outputs: a cache-busting tag, not a security hash.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in parts.iter().flat_map(|p| p.iter()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

fn report_sizes(wasm: &Path) -> Result<()> {
    let bytes = fs::read(wasm).with_context(|| format!("reading {}", wasm.display()))?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&bytes)?;
    let gzipped = gz.finish()?.len();
    println!(
        "{}: {} raw, {} gzip",
        wasm.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
        human(bytes.len()),
        human(gzipped)
    );
    Ok(())
}

fn human(bytes: usize) -> String {
    format!("{bytes} B ({:.1} KiB)", bytes as f64 / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_only_the_run_variables() {
        for name in [
            "CARGO_PKG_NAME",
            "CARGO_MANIFEST_DIR",
            "CARGO_MANIFEST_PATH",
            "CARGO_CRATE_NAME",
            "CARGO_BIN_NAME",
            "CARGO_PRIMARY_PACKAGE",
        ] {
            assert!(is_run_env(OsStr::new(name)), "{name}");
        }
        for name in ["CARGO", "CARGO_HOME", "CARGO_TARGET_DIR", "RUSTFLAGS", "PATH"] {
            assert!(!is_run_env(OsStr::new(name)), "{name}");
        }
    }

    #[test]
    fn index_references_versioned_assets() {
        let html = index_html("abc");
        assert!(html.contains(r#"href="/style.css?v=abc""#));
        assert!(html.contains(r#"<script type="module" src="/boot.js?v=abc"></script>"#));
        assert!(html.contains("<noscript>"));
        // The Content-Security-Policy allows no inline script.
        assert_eq!(html.matches("<script").count(), 1);
        let boot = boot_js("abc");
        assert!(boot.contains(r#"import init from "/pkg/frontend.js?v=abc""#));
        assert!(boot.contains(r#"module_or_path: "/pkg/frontend_bg.wasm?v=abc""#));
    }
}
