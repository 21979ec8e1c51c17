//! A real SMTP sink on loopback: enough of RFC 5321 for a mail client (EHLO, AUTH PLAIN/LOGIN,
//! MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT) over plain TCP. It keeps every
//! message whole, and can answer the next DATA with a temporary failure (451).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// One accepted mail.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// Headers and body as received (dot-unstuffed).
    pub data: String,
    /// The AUTH line's user, if the client logged in.
    pub user: Option<String>,
    pub at: Instant,
}

#[derive(Default)]
struct Inner {
    mails: Vec<Mail>,
    fail_next: u32,
}

#[derive(Clone)]
pub struct SmtpSink {
    pub addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
    changed: Arc<Notify>,
}

impl SmtpSink {
    pub async fn spawn() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let sink = SmtpSink { addr, inner: Arc::default(), changed: Arc::new(Notify::new()) };
        let s = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = s.session(stream).await;
                });
            }
        });
        sink
    }

    /// `smtp://127.0.0.1:port`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).mails.clone()
    }

    /// Answer the next `n` DATA with 451 (try again later).
    pub fn fail_next(&self, n: u32) {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).fail_next = n;
    }

    pub async fn wait_for(&self, within: Duration, done: impl Fn(&[Mail]) -> bool) -> Vec<Mail> {
        let deadline = Instant::now() + within;
        loop {
            let notified = self.changed.notified();
            let mails = self.mails();
            if done(&mails) || Instant::now() >= deadline {
                return mails;
            }
            let _ = tokio::time::timeout(Duration::from_millis(50), notified).await;
        }
    }

    async fn session(&self, stream: TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 sink.local ESMTP fake\r\n").await?;
        let (mut from, mut to, mut user) = (String::new(), Vec::new(), None);
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let cmd = line.trim_end().to_owned();
            let upper = cmd.to_ascii_uppercase();
            let reply: &[u8] = if upper.starts_with("EHLO") {
                b"250-sink.local\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"
            } else if upper.starts_with("HELO") {
                b"250 sink.local\r\n"
            } else if upper.starts_with("AUTH PLAIN") {
                user = Some(plain_user(cmd.split_whitespace().nth(2).unwrap_or_default()));
                b"235 2.7.0 Authentication successful\r\n"
            } else if upper.starts_with("AUTH LOGIN") {
                write.write_all(b"334 VXNlcm5hbWU6\r\n").await?;
                line.clear();
                lines.read_line(&mut line).await?;
                user = Some(decode(line.trim()));
                write.write_all(b"334 UGFzc3dvcmQ6\r\n").await?;
                line.clear();
                lines.read_line(&mut line).await?;
                b"235 2.7.0 Authentication successful\r\n"
            } else if upper.starts_with("MAIL FROM:") {
                from = address(&cmd[10..]);
                to.clear();
                b"250 2.1.0 Ok\r\n"
            } else if upper.starts_with("RCPT TO:") {
                to.push(address(&cmd[8..]));
                b"250 2.1.5 Ok\r\n"
            } else if upper == "DATA" {
                write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                let data = read_data(&mut lines).await?;
                let fail = {
                    let mut i = self.inner.lock().unwrap_or_else(|e| e.into_inner());
                    let fail = i.fail_next > 0;
                    if fail {
                        i.fail_next -= 1;
                    } else {
                        let mail =
                            Mail { from: from.clone(), to: to.clone(), data, user: user.clone(), at: Instant::now() };
                        i.mails.push(mail);
                    }
                    fail
                };
                self.changed.notify_waiters();
                if fail { b"451 4.3.0 Try again later\r\n" } else { b"250 2.0.0 Ok: queued as FAKE\r\n" }
            } else if upper == "RSET" || upper == "NOOP" {
                b"250 2.0.0 Ok\r\n"
            } else if upper == "QUIT" {
                write.write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(());
            } else {
                b"502 5.5.2 Command not recognized\r\n"
            };
            write.write_all(reply).await?;
        }
    }
}

async fn read_data<R: tokio::io::AsyncBufRead + Unpin>(lines: &mut R) -> std::io::Result<String> {
    let mut data = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(data);
        }
        let content = line.trim_end_matches(['\r', '\n']);
        if content == "." {
            return Ok(data);
        }
        data.push_str(content.strip_prefix('.').unwrap_or(content));
        data.push('\n');
    }
}

fn address(s: &str) -> String {
    s.trim().trim_start_matches('<').split('>').next().unwrap_or_default().to_owned()
}

fn decode(b64: &str) -> String {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64).unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// AUTH PLAIN's payload is `authzid \0 user \0 password`.
fn plain_user(b64: &str) -> String {
    decode(b64).split('\0').nth(1).unwrap_or_default().to_owned()
}
