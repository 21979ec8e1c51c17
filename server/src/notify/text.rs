//! What a message says and how it fits a channel: the fold summary's wording, splitting by
//! characters (Telegram 4096, Discord 2000) and truncating by bytes (WeCom 4096, Feishu),
//! never inside a character.

/// How a channel bounds one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Split into parts of at most this many characters, each sent as a message.
    SplitChars(usize),
    /// Cut to at most this many bytes (UTF-8), marked as cut.
    TruncateBytes(usize),
    /// Cut to at most this many characters, marked as cut.
    TruncateChars(usize),
}

const CUT: &str = "\n… (truncated)";

/// `text` as the parts a channel sends, in order (at least one).
pub fn fit(text: &str, fit: Fit) -> Vec<String> {
    match fit {
        Fit::SplitChars(max) => split_chars(text, max),
        Fit::TruncateBytes(max) => vec![truncate_bytes(text, max)],
        Fit::TruncateChars(max) => vec![truncate_chars(text, max)],
    }
}

/// Parts of at most `max` characters, preferring to break after a newline.
pub fn split_chars(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= max {
        return vec![text.to_owned()];
    }
    let mut parts = Vec::new();
    let mut start = 0;
    while start < chars.len() {
        let mut end = (start + max).min(chars.len());
        if end < chars.len()
            && let Some(nl) = chars[start..end].iter().rposition(|c| *c == '\n')
            && nl > max / 2
        {
            end = start + nl + 1;
        }
        parts.push(chars[start..end].iter().collect());
        start = end;
    }
    parts
}

/// At most `max` bytes of UTF-8, cut on a character boundary and marked.
pub fn truncate_bytes(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max.saturating_sub(CUT.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{CUT}", &text[..end])
}

pub fn truncate_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let keep = max.saturating_sub(CUT.chars().count());
    format!("{}{CUT}", text.chars().take(keep).collect::<String>())
}

/// A fold window's length in words: `45 s`, `5 min`, `2 h`.
pub fn window(ms: i64) -> String {
    let s = ms / 1000;
    if s < 120 {
        format!("{s} s")
    } else if s < 7200 {
        format!("{} min", s / 60)
    } else {
        format!("{} h", s / 3600)
    }
}

/// The first line of a summary: the notification's headline and how many repeats it stands for
/// (`WARNING BTC data stale on Lighter — 12 more times in 5 min`).
pub fn summary_headline(headline: &str, folded: i32, window_ms: i64) -> String {
    let times = if folded == 1 { "time".to_owned() } else { "times".to_owned() };
    format!("{headline} — {folded} more {times} in {}", window(window_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_by_characters_and_never_loses_one() {
        let text = "é".repeat(5000);
        let parts = split_chars(&text, 4096);
        assert_eq!(parts.iter().map(|p| p.chars().count()).collect::<Vec<_>>(), [4096, 904]);
        assert_eq!(parts.concat(), text);
        let lines = format!("{}\n{}", "a".repeat(3000), "b".repeat(3000));
        let parts = split_chars(&lines, 4096);
        assert_eq!(parts[0], format!("{}\n", "a".repeat(3000)), "breaks after the newline");
        assert_eq!(parts.concat(), lines);
        assert_eq!(split_chars("short", 2000), ["short"]);
    }

    #[test]
    fn truncates_by_bytes_on_a_character_boundary() {
        let text = "数".repeat(2000); // 3 bytes each
        let cut = truncate_bytes(&text, 4096);
        assert!(cut.len() <= 4096, "{}", cut.len());
        assert!(cut.ends_with("(truncated)"));
        assert_eq!(truncate_bytes("fits", 4096), "fits");
        assert!(truncate_chars(&"x".repeat(50), 20).chars().count() <= 20);
    }

    #[test]
    fn summary_says_how_many_and_over_what() {
        assert_eq!(
            summary_headline("WARNING BTC data stale on Lighter", 12, 300_000),
            "WARNING BTC data stale on Lighter — 12 more times in 5 min"
        );
        assert_eq!(window(10_000), "10 s");
    }
}
