//! Strategy parameters over HTTP: the version history with each change's diff, and the venue
//! latency figures in `GET /status`.

use crate::helpers::{admin_app, call, spawn_app, start_in};
use app::api::Status;
use app::params::{ConfigBody, ParamChange, ParamsVersion};
use axum::http::StatusCode;
use serde_json::json;
use std::time::Duration;

fn change(field: &str, before: &str, after: &str) -> ParamChange {
    ParamChange { field: field.into(), before: before.into(), after: after.into() }
}

async fn history(r: &axum::Router, query: &str) -> Vec<ParamsVersion> {
    let (s, v) = call(r, "GET", &format!("/api/v1/config/history{query}"), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    serde_json::from_value(v).expect("history")
}

#[tokio::test]
async fn each_change_is_a_version_with_its_diff_newest_first() {
    let t = spawn_app(&[]).await;
    let r = admin_app(&t.running.state).await;

    // The first start stores the defaults as version 1.
    let first = history(&r, "").await;
    assert_eq!(first.len(), 1);
    assert_eq!((first[0].version, first[0].author.as_str(), first[0].changes.len()), (1, "defaults", 0));

    // A refused change stores nothing.
    let (_, cfg) = call(&r, "GET", "/api/v1/config", None).await;
    let cfg: ConfigBody = serde_json::from_value(cfg).unwrap();
    let mut bad = serde_json::to_value(&cfg.params).unwrap();
    bad["entry_min_apr"] = json!("-1");
    let (s, e) = call(&r, "PUT", "/api/v1/config", Some(bad)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["error"]["fields"][0]["field"], "entry_min_apr");
    assert_eq!(history(&r, "").await.len(), 1);

    // Two changes: each a version, each with what it changed.
    let mut p = serde_json::to_value(&cfg.params).unwrap();
    p["entry_min_apr"] = json!("0.2");
    p["slices"] = json!(7);
    let (s, v) = call(&r, "PUT", "/api/v1/config", Some(p.clone())).await;
    assert_eq!((s, v["version"].as_i64()), (StatusCode::OK, Some(2)), "{v}");
    p["auto_open"] = json!(true);
    let (s, v) = call(&r, "PUT", "/api/v1/config", Some(p)).await;
    assert_eq!((s, v["version"].as_i64()), (StatusCode::OK, Some(3)), "{v}");

    let all = history(&r, "").await;
    let versions: Vec<i64> = all.iter().map(|v| v.version).collect();
    assert_eq!(versions, [3, 2, 1]);
    assert_eq!(all[0].changes, [change("auto_open", "false", "true")]);
    assert_eq!(all[1].changes, [change("entry_min_apr", "0.15", "0.2"), change("slices", "4", "7")]);
    assert_eq!(all[1].author, "token:tests", "the author is who made the change");
    assert!(all[1].created_ms >= all[2].created_ms);
    assert_eq!(all[0].params.slices, 7);

    // Cut to the newest: the oldest shown keeps its diff.
    let newest = history(&r, "?limit=2").await;
    assert_eq!(newest.iter().map(|v| v.version).collect::<Vec<_>>(), [3, 2]);
    assert_eq!(newest[1].changes.len(), 2);
    let (s, e) = call(&r, "GET", "/api/v1/config/history?limit=0", None).await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("limit")));

    // In effect: the engine runs on the newest version.
    let (_, st) = call(&r, "GET", "/api/v1/engine/status", None).await;
    assert_eq!(st["params_version"], 3, "{st}");

    // Audited: the refusal and both changes, with the parameters before and after.
    let (s, log) = call(&r, "GET", "/api/v1/audit?action=config.update", None).await;
    assert_eq!(s, StatusCode::OK, "{log}");
    let entries = log.as_array().expect("entries");
    let summary: Vec<(&str, &str)> =
        entries.iter().map(|e| (e["outcome"].as_str().unwrap(), e["target"].as_str().unwrap_or(""))).collect();
    assert_eq!(summary, [("ok", "version 3"), ("ok", "version 2"), ("refused", "")]);
    let v2 = &entries[1];
    assert_eq!(v2["actor"], "token:tests");
    assert_eq!((v2["before"]["version"].as_i64(), v2["after"]["version"].as_i64()), (Some(1), Some(2)));
    assert_eq!(
        (v2["before"]["params"]["slices"].as_i64(), v2["after"]["params"]["slices"].as_i64()),
        (Some(4), Some(7))
    );
    assert!(entries[2]["detail"].as_str().is_some_and(|d| d.contains("entry_min_apr")), "{}", entries[2]);
    t.running.stop().await;
}

/// The parameters that are shares lost their `_pct` names. Requests and stored versions that
/// use the old names are still read (serde aliases); answers use the new ones; a negative share
/// is refused by its type with a 400 naming the field.
#[tokio::test]
async fn fractions_are_still_read_under_their_old_pct_names() {
    let dir = tempfile::tempdir().expect("temp dir");
    let running = start_in(&dir, &[]).await;
    let r = admin_app(&running.state).await;
    let (_, cfg) = call(&r, "GET", "/api/v1/config", None).await;
    let mut old = cfg["params"].clone();
    let fields = old.as_object_mut().expect("params");
    for f in ["take_profit", "stop_loss", "liquidation_buffer", "imbalance_tolerance", "max_drawdown"] {
        let v = fields.remove(f).unwrap_or_else(|| panic!("{f} is served"));
        fields.insert(format!("{f}_pct"), v);
    }
    old["stop_loss_pct"] = json!("0.3");
    let (s, v) = call(&r, "PUT", "/api/v1/config", Some(old.clone())).await;
    assert_eq!((s, v["version"].as_i64(), v["params"]["stop_loss"].as_str()), (StatusCode::OK, Some(2), Some("0.3")));
    assert!(!v.to_string().contains("_pct"), "{v}");

    let mut negative = cfg["params"].clone();
    negative["max_drawdown"] = json!("-0.1");
    let (s, e) = call(&r, "PUT", "/api/v1/config", Some(negative)).await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("max_drawdown")), "{e}");
    assert!(e["error"]["message"].as_str().is_some_and(|m| m.contains("must not be negative")), "{e}");

    // A version the old code stored, with the old names in its JSON: read after a restart.
    old["stop_loss_pct"] = json!("0.4");
    use sea_orm::{EntityTrait, Set};
    use server::db::entities::strategy_params;
    let row = strategy_params::ActiveModel {
        version: Set(3),
        params: Set(old.to_string()),
        created_ms: Set(running.state.clock.wall_ms()),
        author: Set("old code".into()),
    };
    strategy_params::Entity::insert(row).exec(&running.state.db).await.expect("store an old-shape version");
    running.stop().await;
    let running = start_in(&dir, &[]).await;
    let r = admin_app(&running.state).await;
    let (_, cfg) = call(&r, "GET", "/api/v1/config", None).await;
    assert_eq!((cfg["version"].as_i64(), cfg["params"]["stop_loss"].as_str()), (Some(3), Some("0.4")), "{cfg}");
    let (_, st) = call(&r, "GET", "/api/v1/engine/status", None).await;
    assert_eq!(st["params_version"], 3, "the engine restored the old-shape version: {st}");
    assert_eq!(history(&r, "?limit=1").await[0].changes, [change("stop_loss", "0.3", "0.4")]);
    running.stop().await;
}

#[tokio::test]
async fn status_reports_each_venues_rest_latency() {
    // Every simulated call is delayed by 40 ms: the probe must see at least that.
    let t = spawn_app(&[("ARB__SIM__FAULTS__LATENCY_MS", "40")]).await;
    let r = admin_app(&t.running.state).await;
    let mut last = None;
    for _ in 0..100 {
        let (s, v) = call(&r, "GET", "/api/v1/status", None).await;
        assert_eq!(s, StatusCode::OK);
        let status: Status = serde_json::from_value(v).unwrap();
        if status.venues.iter().all(|v| v.latency_ms.is_some()) {
            last = Some(status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = last.expect("every venue probed within 10 s");
    assert_eq!(status.venues.len(), 2);
    for v in &status.venues {
        let ms = v.latency_ms.unwrap_or_default();
        assert!((40..5000).contains(&ms), "{v:?}");
        assert!(v.probed_ms.is_some() && v.last_error.is_none(), "{v:?}");
    }
    t.running.stop().await;
}
