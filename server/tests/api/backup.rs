//! Backups and restores on SQLite and PostgreSQL: trade on the simulators, back up while the
//! platform runs, trade more, restore; the positions, orders, fills, payments, audit log and
//! users are those of the moment of the backup. A truncated or bit-flipped backup is refused
//! and the live database is untouched; a restore is refused while a server holds the database;
//! backups taken while the engine writes pass the integrity check and their positions match
//! their fills.

use crate::helpers::{call, router_with, start_in, users};
use app::auth::Role;
use app::trading::{CommandAck, PositionId, PositionStatus, PositionView};
use axum::http::StatusCode;
use sea_orm::{DatabaseConnection, EntityTrait, QueryOrder};
use serde_json::json;
use server::backup::retention::Keep;
use server::backup::{self, BackupError};
use server::db::entities::{order, position};
use server::startup::Running;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tempfile::TempDir;

const FAST: [(&str, &str); 2] = [("ARB__SIM__SPEED", "1200"), ("ARB__SIM__TICK_MS", "50")];
const KEEP_ALL: Keep = Keep { days: 0, count: 0 };

/// The rows a restore must bring back exactly.
#[derive(Debug, PartialEq)]
struct Books {
    positions: Vec<position::Model>,
    orders: Vec<order::Model>,
    fills: Vec<server::db::fills::entity::Model>,
    payments: Vec<server::db::payments::entity::Model>,
    audit: Vec<server::db::audit::audit_log::Model>,
    users: Vec<server::db::users::user::Model>,
}

async fn books(db: &DatabaseConnection) -> Books {
    Books {
        positions: position::Entity::find().order_by_asc(position::Column::Id).all(db).await.unwrap(),
        orders: order::Entity::find().order_by_asc(order::Column::ClientOrderId).all(db).await.unwrap(),
        fills: server::db::fills::Fills::find()
            .order_by_asc(server::db::fills::entity::Column::Id)
            .all(db)
            .await
            .unwrap(),
        payments: server::db::payments::Payments::find()
            .order_by_asc(server::db::payments::entity::Column::Id)
            .all(db)
            .await
            .unwrap(),
        audit: server::db::audit::audit_log::Entity::find()
            .order_by_asc(server::db::audit::audit_log::Column::Id)
            .all(db)
            .await
            .unwrap(),
        users: server::db::users::user::Entity::find()
            .order_by_asc(server::db::users::user::Column::Username)
            .all(db)
            .await
            .unwrap(),
    }
}

async fn admin(running: &Running) -> axum::Router {
    let tokens = users(&running.state).await;
    let r = router_with(&running.state, tokens.token(Role::Admin));
    // Hold whatever the market does: only our commands change positions.
    let (_, cfg) = call(&r, "GET", "/api/v1/config", None).await;
    let mut p = cfg["params"].clone();
    p["exit_below_apr"] = json!("-1");
    p["stop_loss"] = json!("1");
    p["take_profit"] = json!("10");
    p["slice_pause_ms"] = json!(0);
    p["slippage_cap_bps"] = json!(200);
    let (s, v) = call(&r, "PUT", "/api/v1/config", Some(p)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    r
}

async fn wait_for(r: &axum::Router, id: PositionId, status: PositionStatus) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, v) = call(r, "GET", &format!("/api/v1/positions/{id}"), None).await;
        if serde_json::from_value::<PositionView>(v).is_ok_and(|p| p.status == status) {
            return;
        }
        assert!(Instant::now() < deadline, "position {id} never {status:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn open(r: &axum::Router, symbol: &str) -> PositionId {
    let body = json!({"symbol": symbol, "direction": "long_lighter_short_binance", "notional": "3000", "slices": 2});
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (s, v) = call(r, "POST", "/api/v1/orders/open", Some(body.clone())).await;
        if s == StatusCode::OK {
            let id = serde_json::from_value::<CommandAck>(v).unwrap().positions[0];
            wait_for(r, id, PositionStatus::Open).await;
            return id;
        }
        assert!(Instant::now() < deadline, "open {symbol} refused: {s} {v}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn close(r: &axum::Router, id: PositionId) {
    let (s, v) = call(r, "POST", "/api/v1/orders/close", Some(json!({"position_id": id, "percent": "100"}))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    wait_for(r, id, PositionStatus::Closed).await;
}

/// A backup and the books it holds: taken again while the books changed during the backup
/// (funding settles every few seconds at this speed), so the two are of one moment.
async fn backup_of_a_moment(running: &Running, url: &str, dir: &Path) -> (PathBuf, Books) {
    let db = &running.state.db;
    for _ in 0..50 {
        let before = books(db).await;
        let (b, _) = backup::run(db, url, dir, running.state.clock.wall_ms(), KEEP_ALL).await.expect("backup");
        if books(db).await == before {
            return (b.path, before);
        }
        std::fs::remove_file(&b.path).unwrap();
        std::fs::remove_file(backup::checksum_path(&b.path)).unwrap();
    }
    panic!("the books never held still for a backup");
}

/// Trade, back up, trade more, prove a running server blocks the restore, stop, restore, and
/// compare. Returns the backup for the refusal checks.
async fn round_trip(dir: &TempDir, url: &str, overrides: &[(&str, &str)]) -> PathBuf {
    let running = start_in(dir, overrides).await;
    let r = admin(&running).await;
    let eth = open(&r, "ETH").await;
    // A settlement or two on the books before the backup.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let (file, at_backup) = backup_of_a_moment(&running, url, &dir.path().join("backups")).await;
    assert!(!at_backup.fills.is_empty() && !at_backup.payments.is_empty(), "something to lose");

    close(&r, eth).await;
    open(&r, "SOL").await;
    let later = books(&running.state.db).await;
    assert_ne!(later, at_backup, "the books moved on after the backup");

    let refused = backup::restore::restore(url, &file, running.state.clock.wall_ms()).await.unwrap_err();
    assert!(matches!(refused, BackupError::Lock(_)), "{refused}");
    assert!(refused.to_string().contains("a server is running"), "{refused}");
    let now = running.state.clock.wall_ms();
    running.stop().await;

    let restored = backup::restore::restore(url, &file, now).await.expect("restore");
    let kept = restored.replaced.expect("the replaced database is kept");
    assert!(kept.exists(), "{}", kept.display());
    let db = server::db::connect(url).await.unwrap();
    assert_eq!(books(&db).await, at_backup, "the books of the moment of the backup");
    // Closed, not dropped: a dropped pool closes in the background and its last connection
    // checkpoints and deletes the WAL while the refusals read the live files.
    server::db::close(&db).await;
    file
}

/// A copy of `file` with its checksum, then `damage` applied (optionally re-sealed so that
/// the integrity check, not the checksum, must catch it).
fn damaged(file: &Path, name: &str, damage: impl FnOnce(&mut Vec<u8>), reseal: bool) -> PathBuf {
    let copy = file.with_file_name(name);
    let mut bytes = std::fs::read(file).unwrap();
    damage(&mut bytes);
    std::fs::write(&copy, bytes).unwrap();
    let sum = std::fs::read_to_string(backup::checksum_path(file)).unwrap();
    let sum = if reseal {
        format!("{}  {name}\n", backup::sha256_of(&copy).unwrap())
    } else {
        sum.replace(file.file_name().unwrap().to_str().unwrap(), name)
    };
    std::fs::write(backup::checksum_path(&copy), sum).unwrap();
    copy
}

async fn refusals_change_nothing(url: &str, file: &Path, live: impl AsyncFn() -> Vec<u8>) {
    let before = live().await;
    let flipped = damaged(
        file,
        "flipped.bak",
        |b| {
            let middle = b.len() / 2;
            b[middle] ^= 0x10
        },
        false,
    );
    let err = backup::restore::restore(url, &flipped, 0).await.unwrap_err();
    assert!(matches!(err, BackupError::Checksum { .. }), "{err}");
    assert!(err.to_string().contains("checksum mismatch"), "{err}");
    let truncated = damaged(file, "truncated.bak", |b| b.truncate(b.len() / 3), false);
    assert!(matches!(backup::restore::restore(url, &truncated, 0).await, Err(BackupError::Checksum { .. })));
    // Re-sealed: the checksum agrees, the file's own check does not.
    let resealed = damaged(file, "resealed.bak", |b| b.truncate(b.len() / 3), true);
    let err = backup::restore::restore(url, &resealed, 0).await.unwrap_err();
    assert!(matches!(err, BackupError::Integrity(_)), "{err}");
    let unsealed = file.with_file_name("unsealed.bak");
    std::fs::copy(file, &unsealed).unwrap();
    assert!(
        matches!(backup::restore::restore(url, &unsealed, 0).await, Err(BackupError::Io(_))),
        "no checksum, no restore"
    );
    assert_eq!(live().await, before, "the live database is untouched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backup_and_restore_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/arb.db?mode=rwc", dir.path().display());
    let file = round_trip(&dir, &url, &FAST).await;
    assert_eq!(file.extension().unwrap(), "db");
    assert!(backup::time_of(file.file_name().unwrap().to_str().unwrap()).is_some(), "arb-YYYYMMDD-HHMMSS.db");
    let db_file = dir.path().join("arb.db");
    let live = async || {
        let mut all = std::fs::read(&db_file).unwrap();
        for side in ["arb.db-wal", "arb.db-shm"] {
            all.extend(std::fs::read(dir.path().join(side)).unwrap_or_default());
        }
        let replaced = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains("replaced"));
        all.extend(replaced.count().to_le_bytes());
        all
    };
    refusals_change_nothing(&url, &file, live).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_backup_and_restore_round_trip() {
    let Some(base) = crate::persistence::postgres_url() else { return };
    // A database of its own: a restore replaces everything in it.
    let name = format!("arb_backup_{}", std::process::id());
    // Not `db::connect`: the persistence suite migrates the base database meanwhile.
    let admin = sea_orm::Database::connect(&base).await.unwrap();
    use sea_orm::ConnectionTrait;
    let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}")).await;
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
    let url = format!("{}/{name}", base.rsplit_once('/').unwrap().0);
    let dir = tempfile::tempdir().unwrap();
    let overrides = [FAST[0], FAST[1], ("ARB__DATABASE__URL", url.as_str())];
    let file = round_trip(&dir, &url, &overrides).await;
    assert_eq!(file.extension().unwrap(), "dump");
    let live = async || {
        let db = server::db::connect(&url).await.unwrap();
        format!("{:?}", books(&db).await).into_bytes()
    };
    refusals_change_nothing(&url, &file, live).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backups_taken_while_the_engine_writes_are_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/arb.db?mode=rwc", dir.path().display());
    let running = start_in(&dir, &[("ARB__SIM__SPEED", "3600"), ("ARB__SIM__TICK_MS", "20")]).await;
    let r = admin(&running).await;
    let out = dir.path().join("during");
    // Back up continuously while positions open, settle funding and close.
    let db = running.state.db.clone();
    let clock = running.state.clock.clone();
    let (url2, out2) = (url.clone(), out.clone());
    let stop = tokio_util::sync::CancellationToken::new();
    let stopping = stop.clone();
    let taker = tokio::spawn(async move {
        let mut files = Vec::new();
        while !stopping.is_cancelled() {
            let (b, _) = backup::run(&db, &url2, &out2, clock.wall_ms(), KEEP_ALL).await.expect("backup");
            files.push(b.path);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        files
    });
    for symbol in ["ETH", "SOL"] {
        let id = open(&r, symbol).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        close(&r, id).await;
    }
    stop.cancel();
    let files = taker.await.unwrap();
    running.stop().await;
    assert!(files.len() >= 5, "{} backups", files.len());
    let mut checked = 0;
    for file in &files {
        server::backup::sqlite::integrity_check(file).await.expect("integrity");
        // Open a copy (connecting migrates and writes), and check its books.
        let copy = dir.path().join("check.db");
        std::fs::copy(file, &copy).unwrap();
        let db = server::db::connect(&format!("sqlite://{}?mode=rwc", copy.display())).await.unwrap();
        let views: Vec<PositionView> = position::Entity::find()
            .all(&db)
            .await
            .unwrap()
            .iter()
            .map(|m| serde_json::from_str(&m.view).unwrap())
            .collect();
        let mismatches = server::jobs::report::books_check(&db, &views).await.unwrap();
        assert!(mismatches.is_empty(), "{}: {mismatches:?}", file.display());
        checked += views.len();
        server::db::close(&db).await;
        for f in ["check.db", "check.db-wal", "check.db-shm"] {
            let _ = std::fs::remove_file(dir.path().join(f));
        }
    }
    assert!(checked > 0, "the backups held positions");
}
