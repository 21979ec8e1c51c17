//! The API's own description (`GET /api/v1/openapi.json`): readable without login, valid
//! OpenAPI 3.1 (checked by `openapi-spec-validator`, which `cargo xtask test` installs), listing
//! every route the source declares and every row of the role matrix, with the role the gate
//! applies; and a request built from it for each operation gets one of the statuses it
//! documents, with credentials and without.

use crate::helpers::{call, router_with, routes_in_source, spawn_app, users};
use crate::roles::matrix;
use app::auth::Role;
use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use server::api::app;
use std::collections::BTreeSet;

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

/// (METHOD, path as routed) of every operation in the document.
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for m in METHODS.iter().filter(|m| item.get(**m).is_some()) {
            out.insert((m.to_uppercase(), path.strip_prefix("/api/v1").expect("under /api/v1").to_owned()));
        }
    }
    out
}

/// `/metrics` is Prometheus's text exposition at the root, not a REST route under `/api/v1`;
/// the document mentions it in its description.
fn outside_rest(path: &str) -> bool {
    path == "/metrics"
}

async fn fetch_document() -> Value {
    let t = spawn_app(&[]).await;
    let (status, doc) = call(&app(t.running.state.clone(), None), "GET", "/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK, "readable without login: {doc}");
    t.running.stop().await;
    doc
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_and_every_role_matrix_row_is_in_the_document() {
    let doc = fetch_document().await;
    let documented = operations(&doc);
    let source: BTreeSet<(String, String)> =
        routes_in_source().into_iter().filter(|(_, p)| !p.starts_with("/ws") && !outside_rest(p)).collect();
    let missing: Vec<_> = source.difference(&documented).collect();
    assert!(missing.is_empty(), "routes missing from the API document: {missing:?}");
    let extra: Vec<_> = documented.difference(&source).collect();
    assert!(extra.is_empty(), "documented operations with no route: {extra:?}");
    for row in matrix().into_iter().filter(|r| !outside_rest(r.route)) {
        let key = (row.method.to_owned(), row.route.to_owned());
        assert!(documented.contains(&key), "role-matrix row {key:?} is not documented");
        let op = &doc["paths"][format!("/api/v1{}", row.route)][row.method.to_lowercase()];
        let role = match row.needs {
            None => "public",
            Some(r) => r.as_str(),
        };
        assert_eq!(op["x-role"], role, "{key:?}: the document's role is the matrix's");
    }
    let ids: Vec<&str> = documented
        .iter()
        .map(|(m, p)| doc["paths"][format!("/api/v1{p}")][m.to_lowercase()]["operationId"].as_str().unwrap_or(""))
        .collect();
    let unique: BTreeSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "operation ids are unique: {ids:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_validates_as_openapi_3_1() {
    let doc = fetch_document().await;
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1.")), "{}", doc["openapi"]);
    let installed = std::process::Command::new("python3")
        .args(["-c", "import openapi_spec_validator"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have openapi-spec-validator: `cargo xtask test` installs it"
        );
        eprintln!("openapi-spec-validator not installed: validation skipped (pip install openapi-spec-validator)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let out = std::process::Command::new("python3")
        .args(["-m", "openapi_spec_validator", "--schema", "3.1", "--errors", "all"])
        .arg(&file)
        .output()
        .expect("python3");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the document is not valid OpenAPI 3.1:\n{text}");
    assert!(text.contains("OK"), "{text}");
}

/// Follow a `$ref` into the document's components.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap_or_default();
            resolve(doc, &doc["components"]["schemas"][name])
        }
        None => schema,
    }
}

/// The smallest instance the schema describes: required fields only, the first of each choice.
fn instance(doc: &Value, schema: &Value, depth: usize) -> Value {
    let s = resolve(doc, schema);
    if depth > 8 {
        return Value::Null;
    }
    if let Some(v) = s.get("enum").and_then(Value::as_array).and_then(|e| e.first()) {
        return v.clone();
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(first) = s.get(key).and_then(Value::as_array).and_then(|l| l.first()) {
            return instance(doc, first, depth + 1);
        }
    }
    let kind = match &s["type"] {
        Value::String(t) => t.clone(),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("null").to_owned(),
        _ if s.get("properties").is_some() => "object".into(),
        _ => "null".into(),
    };
    match kind.as_str() {
        "object" => {
            let mut out = Map::new();
            let required: Vec<&str> =
                s["required"].as_array().map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            for name in required {
                out.insert(name.to_owned(), instance(doc, &s["properties"][name], depth + 1));
            }
            Value::Object(out)
        }
        "array" => json!([]),
        "string" => json!("x"),
        "integer" => json!(999_999),
        "number" => json!(1),
        "boolean" => json!(false),
        _ => Value::Null,
    }
}

/// The request the document describes for one operation: its path with each parameter filled
/// from its schema, and a body when it takes one.
fn request(doc: &Value, path: &str, op: &Value) -> (String, Option<Value>) {
    let mut uri = path.to_owned();
    for p in op["parameters"].as_array().into_iter().flatten() {
        if p["in"] == "path" {
            let value = match instance(doc, &p["schema"], 0) {
                Value::String(_) => "nope".to_owned(),
                other => other.to_string(),
            };
            uri = uri.replace(&format!("{{{}}}", p["name"].as_str().unwrap_or_default()), &value);
        }
    }
    let body = op["requestBody"]["content"]["application/json"]["schema"]
        .as_object()
        .map(|s| instance(doc, &Value::Object(s.clone()), 0));
    (uri, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_built_from_the_document_gets_a_documented_status() {
    let t = spawn_app(&[]).await;
    let state = &t.running.state;
    let tokens = users(state).await;
    let anonymous = app(state.clone(), None);
    let admin = router_with(state, tokens.token(Role::Admin));
    let viewer = router_with(state, tokens.token(Role::Viewer));
    let (_, doc) = call(&anonymous, "GET", "/api/v1/openapi.json", None).await;
    let mut failures = Vec::new();
    let mut checked = 0;
    // Logout last: it would end nothing for a token, but keep the run tidy.
    let mut ops: Vec<(String, String)> = operations(&doc).into_iter().collect();
    ops.sort_by_key(|(_, p)| p == "/auth/logout");
    for (method, path) in ops {
        let full = format!("/api/v1{path}");
        let op = &doc["paths"][&full][method.to_lowercase()];
        let (uri, body) = request(&doc, &full, op);
        for (who, router) in [("anonymous", &anonymous), ("viewer", &viewer), ("admin", &admin)] {
            let (status, answer) = call(router, &method, &uri, body.clone()).await;
            let documented = op["responses"].get(status.as_str()).is_some();
            if !documented {
                failures.push(format!(
                    "{who} {method} {uri} → {status} (documents {:?}): {answer}",
                    op["responses"].as_object().map(|r| r.keys().cloned().collect::<Vec<_>>()).unwrap_or_default()
                ));
            }
            checked += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} answers are not documented:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 150, "{checked}");
    t.running.stop().await;
}
