//! `server user …`: add users, reset passwords and list users from the command line, on the
//! configured database — for the first steps on a new install and for a lost admin password.
//! Each change is audited with the actor `cli`.

use super::{CreateUserError, password};
use crate::db;
use app::audit::{AuditEntry, AuditOutcome};
use app::auth::Role;
use sea_orm::DatabaseConnection;
use std::io::BufRead;

/// Where a new password comes from: one line on standard input, or generated and printed.
pub fn read_or_generate(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let p = line.trim_end_matches(['\r', '\n']).to_owned();
        app::auth::validate_password(&p).map_err(|m| anyhow::anyhow!("password: {m}"))?;
        Ok((p, false))
    } else {
        Ok((password::generate(), true))
    }
}

async fn audit(db: &DatabaseConnection, action: &str, target: &str, after: serde_json::Value) {
    let entry = AuditEntry {
        id: 0,
        time_ms: crate::clock::Clock::system().wall_ms(),
        actor: "cli".into(),
        action: action.into(),
        target: Some(target.into()),
        before: None,
        after: Some(after),
        outcome: AuditOutcome::Ok,
        detail: None,
        ip: None,
    };
    if let Err(e) = db::audit::insert(db, &entry).await {
        tracing::error!(error = %e, "could not write the audit log");
    }
}

pub async fn add(db: &DatabaseConnection, username: &str, role: Role, from_stdin: bool) -> anyhow::Result<()> {
    let (password, generated) = read_or_generate(from_stdin)?;
    let now = crate::clock::Clock::system().wall_ms();
    super::create_user(db, username, &password, role, now).await.map_err(|e| match e {
        CreateUserError::Exists => anyhow::anyhow!("user `{username}` exists; use `server user reset-password`"),
        other => anyhow::anyhow!(other),
    })?;
    audit(db, "user.create", username, serde_json::json!({ "username": username, "role": role })).await;
    println!("created user `{username}` ({role})");
    if generated {
        println!("password: {password}");
    }
    Ok(())
}

pub async fn reset_password(db: &DatabaseConnection, username: &str, from_stdin: bool) -> anyhow::Result<()> {
    let (password, generated) = read_or_generate(from_stdin)?;
    let hash = password::hash(&password)?;
    db::users::update(db, username, None, Some(hash), None)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user `{username}`"))?;
    let ended = db::users::delete_sessions_of(db, username).await?;
    audit(db, "user.update", username, serde_json::json!({ "password": "changed" })).await;
    println!("new password set for `{username}`; {ended} session(s) ended");
    if generated {
        println!("password: {password}");
    }
    Ok(())
}

pub async fn list(db: &DatabaseConnection) -> anyhow::Result<()> {
    for u in db::users::list(db).await? {
        let state = if u.disabled { "disabled" } else { "active" };
        println!("{:<32} {:<7} {state}", u.username, u.role);
    }
    Ok(())
}
