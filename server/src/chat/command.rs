//! The chat's commands, parsed from a message's text. Pure: what a command means, and which
//! ones act (those ask for confirmation and need the trader role).

use app::Venue;
use app::trading::PositionId;
use rust_decimal::Decimal;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    All,
    Today,
    Week,
    Month,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatCommand {
    Status,
    Positions,
    Pnl(Period),
    Balance,
    Opportunities,
    Help,
    Pause,
    Resume,
    Close {
        id: PositionId,
        percent: Decimal,
    },
    CloseAll {
        venue: Option<Venue>,
    },
    Kill,
    /// `/confirm <code>`: the one-time code instead of the button.
    Confirm(String),
}

impl ChatCommand {
    /// Commands that change something: confirmed first, trader role needed.
    pub fn acts(&self) -> bool {
        matches!(
            self,
            ChatCommand::Pause
                | ChatCommand::Resume
                | ChatCommand::Close { .. }
                | ChatCommand::CloseAll { .. }
                | ChatCommand::Kill
        )
    }

    /// The audit log's name for an action (as the web API's).
    pub fn action(&self) -> &'static str {
        match self {
            ChatCommand::Pause => "engine.pause",
            ChatCommand::Resume => "engine.resume",
            ChatCommand::Close { .. } => "position.close",
            ChatCommand::CloseAll { .. } => "position.close_all",
            ChatCommand::Kill => "engine.kill",
            _ => "chat.read",
        }
    }

    /// What the confirmation question asks.
    pub fn describe(&self) -> String {
        match self {
            ChatCommand::Pause => "pause opening new positions".into(),
            ChatCommand::Resume => "resume opening new positions".into(),
            ChatCommand::Close { id, percent } => format!("close {percent}% of position {id}"),
            ChatCommand::CloseAll { venue: None } => "close every position on all venues".into(),
            ChatCommand::CloseAll { venue: Some(v) } => format!("close every position with a leg on {v}"),
            ChatCommand::Kill => "turn the KILL SWITCH on: close everything, no opening until a restart".into(),
            other => format!("{other:?}"),
        }
    }
}

pub const HELP: &str = "Read: /status, /positions, /pnl [today|week|month], /balance, /opportunities, /help\n\
Act (asks to confirm; trader role): /pause, /resume, /close <position> [percent], /closeall [venue], /kill";

/// The command in `text`, or what is wrong with it. `/cmd@SomeBot` (groups) reads as `/cmd`.
pub fn parse(text: &str) -> Result<ChatCommand, String> {
    let mut words = text.split_whitespace();
    let first = words.next().unwrap_or_default();
    let name = first.split('@').next().unwrap_or_default().to_ascii_lowercase();
    let args: Vec<&str> = words.collect();
    let none = |c: ChatCommand| if args.is_empty() { Ok(c) } else { Err(format!("{name} takes no arguments")) };
    match name.as_str() {
        "/status" | "/start" => none(ChatCommand::Status),
        "/positions" => none(ChatCommand::Positions),
        "/balance" => none(ChatCommand::Balance),
        "/opportunities" => none(ChatCommand::Opportunities),
        "/help" => none(ChatCommand::Help),
        "/pause" => none(ChatCommand::Pause),
        "/resume" => none(ChatCommand::Resume),
        "/kill" => none(ChatCommand::Kill),
        "/pnl" => match args.as_slice() {
            [] => Ok(ChatCommand::Pnl(Period::All)),
            ["today"] => Ok(ChatCommand::Pnl(Period::Today)),
            ["week"] => Ok(ChatCommand::Pnl(Period::Week)),
            ["month"] => Ok(ChatCommand::Pnl(Period::Month)),
            _ => Err("usage: /pnl [today|week|month]".into()),
        },
        "/close" => {
            let usage = "usage: /close <position> [percent], e.g. /close 12 50";
            let (id, percent) = match args.as_slice() {
                [id] => (id, "100"),
                [id, percent] => (id, percent.trim_end_matches('%')),
                _ => return Err(usage.into()),
            };
            let id = id.parse().map_err(|_| format!("{id:?} is not a position id; {usage}"))?;
            let percent: Decimal = percent.parse().map_err(|_| format!("{percent:?} is not a percentage; {usage}"))?;
            if percent <= Decimal::ZERO || percent > Decimal::ONE_HUNDRED {
                return Err("the percentage must be above 0 and at most 100".into());
            }
            Ok(ChatCommand::Close { id, percent })
        }
        "/closeall" => match args.as_slice() {
            [] => Ok(ChatCommand::CloseAll { venue: None }),
            [v] => v
                .to_ascii_lowercase()
                .parse()
                .map(|v| ChatCommand::CloseAll { venue: Some(v) })
                .map_err(|_| format!("no venue {v:?}: binance or lighter")),
            _ => Err("usage: /closeall [venue]".into()),
        },
        "/confirm" => match args.as_slice() {
            [code] => Ok(ChatCommand::Confirm((*code).to_owned())),
            _ => Err("usage: /confirm <code>".into()),
        },
        _ => Err(format!("unknown command {first:?}. {HELP}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn the_commands() {
        let cases = [
            ("/status", Ok(ChatCommand::Status)),
            ("/status@ArbBot", Ok(ChatCommand::Status)),
            ("/pnl week", Ok(ChatCommand::Pnl(Period::Week))),
            ("/pnl", Ok(ChatCommand::Pnl(Period::All))),
            ("/close 12", Ok(ChatCommand::Close { id: PositionId::new(12), percent: dec!(100) })),
            ("/close 12 25%", Ok(ChatCommand::Close { id: PositionId::new(12), percent: dec!(25) })),
            ("/closeall", Ok(ChatCommand::CloseAll { venue: None })),
            ("/closeall Lighter", Ok(ChatCommand::CloseAll { venue: Some(Venue::Lighter) })),
            ("/confirm 123456", Ok(ChatCommand::Confirm("123456".into()))),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text), want, "{text}");
        }
        for bad in
            ["/close", "/close x", "/close 1 0", "/close 1 101", "/pnl year", "/closeall mars", "/status now", "hello"]
        {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(ChatCommand::Kill.acts() && !ChatCommand::Balance.acts());
    }
}
