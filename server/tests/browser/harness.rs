//! Starting chromedriver and the server, polling the page, and always closing the browser:
//! [`session`] runs a test's steps on a fresh server and browser and takes both down after.

use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder};
use futures::FutureExt;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use server::startup::{self, Running};
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Whether to run: mandatory under `ARB_E2E=1`, skipped (loudly) when the pieces are missing.
pub fn enabled() -> bool {
    if std::env::var("ARB_E2E").as_deref() == Ok("1") {
        return true;
    }
    let ready = workspace().join("dist/index.html").exists() && which("chromedriver");
    if !ready {
        eprintln!("browser tests skipped: run `cargo xtask test` (builds dist/, installs chromium)");
    }
    ready
}

fn which(bin: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(bin).exists()))
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// A chromedriver process, killed on drop.
pub struct Driver {
    child: Child,
    pub url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn start_driver() -> Driver {
    let port = free_port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver (apt-get install chromium-driver)");
    let driver = Driver { child, url: format!("http://127.0.0.1:{port}") };
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    driver
}

pub async fn browser(driver: &Driver, profile: &TempDir) -> Client {
    let mut caps = Capabilities::new();
    let args = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,900",
        &format!("--user-data-dir={}", profile.path().display()),
    ];
    caps.insert("goog:chromeOptions".into(), json!({ "args": args, "binary": "/usr/bin/chromium" }));
    // Keep the console, so a test can read what the page complained about (CSP violations).
    caps.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
    ClientBuilder::new(HttpConnector::new()).capabilities(caps).connect(&driver.url).await.expect("webdriver session")
}

/// A server on a fixed address so that it can be stopped and started again on the same port.
pub struct TestServer {
    pub addr: SocketAddr,
    pub dir: TempDir,
}

impl TestServer {
    pub fn new() -> Self {
        let port = free_port();
        Self { addr: SocketAddr::from(([127, 0, 0, 1], port)), dir: tempfile::tempdir().expect("temp dir") }
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Start with extra settings (`ARB__…` pairs) on top of the test defaults.
    pub async fn start_with(&self, extra: &[(String, String)]) -> Running {
        let db = format!("sqlite://{}/arb.db?mode=rwc", self.dir.path().display());
        let dist = workspace().join("dist");
        let vars = std::collections::HashMap::from([
            ("ARB__DATA_DIR".to_string(), self.dir.path().display().to_string()),
            ("ARB__DATABASE__URL".to_string(), db),
            ("ARB__ENGINE__EVENT_LOG_DIR".to_string(), format!("{}/events", self.dir.path().display())),
            ("ARB__SERVER__STATIC_DIR".to_string(), dist.display().to_string()),
            ("ARB__SIM__SPEED".to_string(), "60".to_string()),
            ("ARB__SIM__TICK_MS".to_string(), "250".to_string()),
            ("ARB__SIM__STATE_DIR".to_string(), format!("{}/sim", self.dir.path().display())),
            ("ARB__AUTH__ADMIN_PASSWORD".to_string(), ADMIN.1.to_string()),
        ]);
        let mut vars = vars;
        vars.extend(extra.iter().cloned());
        let env = config::Environment::with_prefix("ARB").prefix_separator("__").separator("__").source(Some(vars));
        let settings = server::settings::Settings::load_with_env(None, env).expect("settings");
        let listener = tokio::net::TcpListener::bind(self.addr).await.expect("bind the test port");
        let running = startup::start(settings, listener).await.expect("server start");
        running.state.collector.wait_ready().await;
        let now = running.state.clock.wall_ms();
        for (name, password, role) in [TRADER, VIEWER] {
            if server::db::users::find(&running.state.db, name).await.expect("users").is_none() {
                server::auth::create_user(&running.state.db, name, password, role, now).await.expect("test user");
            }
        }
        running
    }
}

/// What a test's steps work with: the browser, the server (which a step may stop and start
/// again on the same address) and the settings it runs with.
pub struct Session {
    pub client: Client,
    pub server: TestServer,
    settings: Vec<(String, String)>,
    running: Option<Running>,
}

impl Session {
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The server as it runs now.
    pub fn running(&self) -> &Running {
        self.running.as_ref().expect("the server is stopped")
    }

    pub async fn stop_server(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }

    /// Start the server again, on the same address, database and settings.
    pub async fn start_server(&mut self) {
        self.stop_server().await;
        self.running = Some(self.server.start_with(&self.settings).await);
    }
}

/// Run `steps` on a fresh server (`settings`, `ARB__…` pairs, on top of the test defaults) in
/// a fresh headless browser. The browser is closed and the server stopped whatever happened;
/// then a failed step fails the test.
pub async fn session(settings: &[(&str, &str)], steps: impl AsyncFnOnce(&mut Session)) {
    let driver = start_driver().await;
    let profile = tempfile::tempdir().expect("profile dir");
    let server = TestServer::new();
    let settings: Vec<(String, String)> = settings.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let running = Some(server.start_with(&settings).await);
    let client = browser(&driver, &profile).await;
    let mut s = Session { client, server, settings, running };
    let outcome = AssertUnwindSafe(steps(&mut s)).catch_unwind().await;
    let _ = s.client.clone().close().await;
    s.stop_server().await;
    drop(driver);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// What the page wrote to the browser's console (level and message), oldest first; each call
/// returns only what came since the last.
pub async fn console(c: &Client) -> Vec<(String, String)> {
    let logs = c.issue_cmd(BrowserLog).await.expect("the browser's console log");
    let entries = logs.as_array().cloned().unwrap_or_default();
    let text = |e: &Value, k: &str| e.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    entries.iter().map(|e| (text(e, "level"), text(e, "message"))).collect()
}

/// chromedriver's log endpoint (outside the W3C protocol, which has none).
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (axum::http::Method::POST, Some(json!({ "type": "browser" }).to_string()))
    }
}

/// Test users: (username, password, role). `admin` is the one created at first start.
pub const ADMIN: (&str, &str, app::auth::Role) = ("admin", "admin-password-for-tests", app::auth::Role::Admin);
pub const TRADER: (&str, &str, app::auth::Role) = ("trader", "trader-password-for-tests", app::auth::Role::Trader);
pub const VIEWER: (&str, &str, app::auth::Role) = ("viewer", "viewer-password-for-tests", app::auth::Role::Viewer);

/// Log the browser in as `user` through `POST /api/v1/auth/login` (the session cookie lands
/// in the browser), then open `url`. The login form itself has its own test.
pub async fn login(c: &Client, url: &str, user: (&str, &str, app::auth::Role)) {
    c.goto(url).await.expect("open the app");
    let script = r#"
        const [username, password, done] = arguments;
        fetch('/api/v1/auth/login', {method: 'POST', headers: {'Content-Type': 'application/json'},
            body: JSON.stringify({username, password})}).then(r => done(r.status), e => done(String(e)));
    "#;
    let status = c.execute_async(script, vec![json!(user.0), json!(user.1)]).await.expect("login script");
    assert_eq!(status, json!(200), "login as {}", user.0);
    c.goto(url).await.expect("open the app signed in");
}

/// Evaluate `script` (which must `return` a value) until `done` accepts it.
pub async fn wait_for(c: &Client, what: &str, script: &str, timeout: Duration, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + timeout;
    loop {
        let v = c.execute(script, vec![]).await.unwrap_or(Value::Null);
        if done(&v) {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}; last value {v}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn screenshot(c: &Client, name: &str) {
    let dir = workspace().join("test-artifacts/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
}
