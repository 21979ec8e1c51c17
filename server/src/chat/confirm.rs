//! Confirmations of acting commands: each gets a one-time code (also carried by the inline
//! button), valid for one minute, for the user who asked, in the chat where they asked.

use super::command::ChatCommand;

#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub code: String,
    pub user: i64,
    pub chat: i64,
    pub command: ChatCommand,
    pub expires_ms: i64,
}

#[derive(Debug, Default)]
pub struct Confirmations {
    pending: Vec<Pending>,
}

pub const TTL_MS: i64 = 60_000;

impl Confirmations {
    /// Hold `command` for `user` in `chat` under `code` until a minute after `now`.
    pub fn ask(&mut self, code: String, user: i64, chat: i64, command: ChatCommand, now: i64) -> Pending {
        self.pending.retain(|p| p.expires_ms > now);
        let p = Pending { code, user, chat, command, expires_ms: now + TTL_MS };
        self.pending.push(p.clone());
        p
    }

    /// The command waiting under `code`, once: only for the user who asked, in their chat, in
    /// time. Anyone else's attempt leaves it waiting.
    pub fn take(&mut self, code: &str, user: i64, chat: i64, now: i64) -> Result<Pending, &'static str> {
        self.pending.retain(|p| p.expires_ms > now);
        let Some(i) = self.pending.iter().position(|p| p.code == code) else {
            return Err("no such confirmation, or it expired: send the command again");
        };
        if self.pending[i].user != user || self.pending[i].chat != chat {
            return Err("only the person who asked can confirm, in the chat where they asked");
        }
        Ok(self.pending.remove(i))
    }

    pub fn cancel(&mut self, code: &str, user: i64) -> bool {
        let before = self.pending.len();
        self.pending.retain(|p| !(p.code == code && p.user == user));
        self.pending.len() < before
    }
}

/// Six random digits.
pub fn new_code() -> String {
    use rand::Rng;
    format!("{:06}", rand::rng().random_range(0..1_000_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_by_the_asker_in_time() {
        let mut c = Confirmations::default();
        c.ask("111111".into(), 7, -1, ChatCommand::Kill, 0);
        assert!(c.take("111111", 8, -1, 10).is_err(), "another user");
        assert!(c.take("111111", 7, -2, 10).is_err(), "another chat");
        assert_eq!(c.take("111111", 7, -1, 10).unwrap().command, ChatCommand::Kill);
        assert!(c.take("111111", 7, -1, 20).is_err(), "only once");
        c.ask("222222".into(), 7, -1, ChatCommand::Pause, 0);
        assert!(c.take("222222", 7, -1, TTL_MS).is_err(), "expired");
    }
}
