//! PostgreSQL: `pg_dump` in custom format, checked by reading the whole archive back through
//! `pg_restore`; and the restore itself. The tools get the connection through `PG*`
//! environment variables, so no password appears in a process list.

use super::BackupError;
use std::path::Path;
use tokio::process::Command;

/// The connection settings of `url` as the PostgreSQL tools read them from the environment.
pub fn env_of(url: &str) -> Result<Vec<(&'static str, String)>, BackupError> {
    let u = url::Url::parse(url).map_err(|e| BackupError::Tool(format!("database URL: {e}")))?;
    let mut env = vec![("PGDATABASE", u.path().trim_start_matches('/').to_owned())];
    if let Some(host) = u.host_str() {
        env.push(("PGHOST", host.to_owned()));
    }
    if let Some(port) = u.port() {
        env.push(("PGPORT", port.to_string()));
    }
    if !u.username().is_empty() {
        env.push(("PGUSER", decode(u.username())));
    }
    if let Some(pw) = u.password() {
        env.push(("PGPASSWORD", decode(pw)));
    }
    for (k, v) in u.query_pairs() {
        if k == "sslmode" {
            env.push(("PGSSLMODE", v.into_owned()));
        }
    }
    Ok(env)
}

fn decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}

/// Run a PostgreSQL tool against `url`; its stderr is the error.
pub async fn tool(name: &str, url: &str, args: &[&str]) -> Result<(), BackupError> {
    let mut cmd = Command::new(name);
    cmd.args(args).envs(env_of(url)?).stdin(std::process::Stdio::null());
    let out =
        cmd.output().await.map_err(|e| BackupError::Tool(format!("{name}: {e} (is postgresql-client installed?)")))?;
    if out.status.success() {
        Ok(())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        Err(BackupError::Tool(format!("{name} failed ({}): {}", out.status, err.trim())))
    }
}

/// `pg_dump -Fc` of the database into `target`, then checked.
pub async fn dump(url: &str, target: &Path) -> Result<(), BackupError> {
    let file = target.to_string_lossy();
    tool("pg_dump", url, &["--format=custom", "--no-owner", "--no-privileges", &format!("--file={file}")]).await?;
    check(target).await
}

/// Read the whole archive through `pg_restore` (to nowhere): a truncated or damaged archive
/// fails here.
pub async fn check(file: &Path) -> Result<(), BackupError> {
    let out = Command::new("pg_restore")
        .arg("--file=/dev/null")
        .arg(file)
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .map_err(|e| BackupError::Tool(format!("pg_restore: {e} (is postgresql-client installed?)")))?;
    if out.status.success() {
        Ok(())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        Err(BackupError::Integrity(format!("{}: {}", file.display(), err.trim())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_becomes_environment_without_the_password_in_arguments() {
        let env = env_of("postgres://arb:p%40ss@db.local:5433/arb?sslmode=require").unwrap();
        let get = |k: &str| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("PGDATABASE"), Some("arb"));
        assert_eq!(get("PGHOST"), Some("db.local"));
        assert_eq!(get("PGPORT"), Some("5433"));
        assert_eq!(get("PGUSER"), Some("arb"));
        assert_eq!(get("PGPASSWORD"), Some("p@ss"));
        assert_eq!(get("PGSSLMODE"), Some("require"));
    }
}
