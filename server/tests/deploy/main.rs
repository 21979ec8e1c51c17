//! The binary as an operator runs it. As the Dockerfile runs it: an unprivileged user, a
//! working directory it cannot write, only the data directory writable — it starts, answers
//! `/api/v1/health`, writes all its state under `ARB__DATA_DIR` and nothing elsewhere. And the
//! operations commands: `backup` while it runs, `run-once` and `restore` refused while it runs,
//! `run-once --task snapshot` on its own.
//!
//! `ARB_SERVER_BINARY` names the binary to try (`cargo xtask test` sets the release build);
//! without it, the test profile's. Run as root (CI), the server runs as `nobody` through
//! `setpriv`; as anyone else, as that user with the read-only working directory.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn binary() -> PathBuf {
    std::env::var_os("ARB_SERVER_BINARY").map(PathBuf::from).unwrap_or_else(|| env!("CARGO_BIN_EXE_server").into())
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn id_of(flag: &str, who: &str) -> u32 {
    let out = Command::new("id").args([flag, who]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `/app` (the binary, read-only) and `/data` (writable by the server's user) under `root`.
struct Layout {
    root: tempfile::TempDir,
    app: PathBuf,
    data: PathBuf,
    /// The unprivileged user (uid, gid) when we are root.
    user: Option<(u32, u32)>,
}

impl Layout {
    fn new() -> Layout {
        let root = tempfile::tempdir().unwrap();
        std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let (app, data) = (root.path().join("app"), root.path().join("data"));
        std::fs::create_dir(&app).unwrap();
        std::fs::create_dir(&data).unwrap();
        std::fs::copy(binary(), app.join("server")).unwrap();
        std::fs::set_permissions(app.join("server"), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&app, std::fs::Permissions::from_mode(0o555)).unwrap();
        let user = is_root().then(|| (id_of("-u", "nobody"), id_of("-g", "nobody")));
        if let Some((uid, gid)) = user {
            std::os::unix::fs::chown(&data, Some(uid), Some(gid)).unwrap();
        }
        Layout { root, app, data, user }
    }

    /// The server binary with `args`, as the unprivileged user, from `/app`.
    fn command(&self, args: &[&str], port: u16) -> Command {
        let bin = self.app.join("server");
        let mut c = match self.user {
            Some((uid, gid)) => {
                let mut c = Command::new("setpriv");
                c.arg(format!("--reuid={uid}")).arg(format!("--regid={gid}")).arg("--clear-groups").arg(&bin);
                c
            }
            None => Command::new(&bin),
        };
        c.args(args)
            .current_dir(&self.app)
            .env("ARB__DATA_DIR", &self.data)
            .env("ARB__SERVER__PORT", port.to_string())
            .env("ARB__SIM__TICK_MS", "200")
            .env("ARB_ADMIN_PASSWORD", "deploy-test-password")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null());
        c
    }

    /// The same command as whoever runs the test (the operator at the console).
    fn operator(&self, args: &[&str]) -> Output {
        let mut c = Command::new(self.app.join("server"));
        c.args(args).current_dir(&self.app).env("ARB__DATA_DIR", &self.data).env("RUST_LOG", "warn");
        c.output().unwrap()
    }

    fn app_entries(&self) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(&self.app).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
        names.sort();
        names
    }
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

async fn healthy(port: u16, child: &mut Child) {
    let url = format!("http://127.0.0.1:{port}/api/v1/health");
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if let Ok(r) = reqwest::get(&url).await
            && r.status().is_success()
        {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the server exited at start-up: {status}");
        }
        assert!(Instant::now() < deadline, "no answer on {url}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn uid_of(pid: u32) -> u32 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn listing(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map_or_else(|_| vec![], |d| d.map(|e| e.unwrap().file_name().to_string_lossy().into()).collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_unprivileged_from_a_read_only_directory_with_all_state_in_the_data_dir() {
    let layout = Layout::new();
    let port = free_port();
    let log = std::fs::File::create(layout.root.path().join("server.out")).unwrap();
    let mut child = layout.command(&["run"], port).stdout(log.try_clone().unwrap()).stderr(log).spawn().unwrap();
    healthy(port, &mut child).await;
    if let Some((uid, _)) = layout.user {
        assert_eq!(uid_of(child.id()), uid, "the server runs as nobody");
    }

    // An online backup while it runs; a second platform and a restore are refused.
    let backup = layout.operator(&["backup"]);
    assert!(backup.status.success(), "{}", text(&backup));
    let file = PathBuf::from(String::from_utf8_lossy(&backup.stdout).trim());
    assert!(file.starts_with(layout.data.join("backups")), "{}", file.display());
    assert!(file.file_name().unwrap().to_string_lossy().starts_with("arb-") && file.extension().unwrap() == "db");
    assert!(server::backup::checksum_path(&file).is_file());
    let once = layout.operator(&["run-once", "--task", "snapshot"]);
    assert!(!once.status.success());
    assert!(text(&once).contains("a server is running on this database"), "{}", text(&once));
    let restore = layout.operator(&["restore", file.to_str().unwrap()]);
    assert!(!restore.status.success());
    assert!(text(&restore).contains("a server is running on this database"), "{}", text(&restore));

    let killed = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "the server did not stop on SIGINT");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let out = std::fs::read_to_string(layout.root.path().join("server.out")).unwrap();
    assert!(status.success(), "{status}: {out}");
    assert!(out.contains("running at http://"), "{out}");

    // Nothing was written outside the data directory, and everything is in it.
    assert_eq!(layout.app_entries(), ["server"]);
    let data = listing(&layout.data);
    for expected in ["arb.db", "sim", "events", "logs", "backups"] {
        assert!(data.contains(&expected.to_owned()), "{expected} in {data:?}");
    }
    assert!(!listing(&layout.data.join("sim")).is_empty(), "the simulators' journals");
    assert!(!listing(&layout.data.join("events")).is_empty(), "the event log");
    assert!(
        listing(&layout.data.join("logs")).iter().any(|f| f.starts_with("arb.") && f.ends_with(".log")),
        "a daily log file"
    );

    // Stopped: a damaged backup is refused, the good one restores.
    let flipped = file.with_file_name("flipped.db");
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[4096] ^= 1;
    std::fs::write(&flipped, bytes).unwrap();
    let sum = std::fs::read_to_string(server::backup::checksum_path(&file)).unwrap();
    std::fs::write(server::backup::checksum_path(&flipped), sum).unwrap();
    let refused = layout.operator(&["restore", flipped.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(text(&refused).contains("checksum mismatch"), "{}", text(&refused));
    let restored = layout.operator(&["restore", file.to_str().unwrap()]);
    assert!(restored.status.success(), "{}", text(&restored));
    assert!(text(&restored).contains("the replaced database is kept as"), "{}", text(&restored));
    assert!(listing(&layout.data).iter().any(|f| f.starts_with("arb.db.replaced-")));
}

#[tokio::test]
async fn run_once_runs_one_task_and_leaves_one_job_row() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(binary())
            .args(args)
            .current_dir(dir.path())
            .env("ARB__DATA_DIR", dir.path())
            .env("ARB__LOG__FORMAT", "json")
            .env("RUST_LOG", "info")
            .output()
            .unwrap()
    };
    let out = run(&["run-once", "--task", "snapshot"]);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.lines().any(|l| l.starts_with("snapshot: success (2 records")), "{}", text(&out));
    // `log.format = json`: every log line is one JSON object, on stderr and in the day's file.
    let stderr = String::from_utf8_lossy(&out.stderr);
    let logged: Vec<serde_json::Value> =
        stderr.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    assert!(
        logged.iter().any(|v| v["fields"]["message"] == "job ended" && v["fields"]["job"] == "snapshot"),
        "{stderr}"
    );
    let file = std::fs::read_dir(dir.path().join("logs")).unwrap().next().unwrap().unwrap().path();
    let in_file = std::fs::read_to_string(&file).unwrap();
    assert!(in_file.lines().all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()), "{in_file}");
    let db = server::db::connect(&format!("sqlite://{}/arb.db?mode=rwc", dir.path().display())).await.unwrap();
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(server::db::job_runs::entity::Entity::find().count(&db).await.unwrap(), 1, "one job row");
    let runs = server::db::job_runs::recent(&db, "snapshot", 10).await.unwrap();
    assert_eq!((runs[0].trigger, runs[0].status), (app::jobs::Trigger::Cli, Some(app::jobs::RunStatus::Success)));
    server::db::close(&db).await;

    let unknown = run(&["run-once", "--task", "nope"]);
    assert!(!unknown.status.success());
    assert!(text(&unknown).contains("no job named \"nope\""), "{}", text(&unknown));
}
