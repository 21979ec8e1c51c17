//! Folding repeats: the first notification of a de-duplication key goes out at once and opens a
//! window; repeats within it are counted into one summary sent when the window ends ("— 12 more
//! times in 5 min"). While repeats keep coming, each further window gets one summary; after a
//! quiet window the next one leads again. Pure: the writer passes the time and stores the rows.

use std::collections::HashMap;

/// Where a message goes: a channel and, for Telegram, a chat.
pub type Dest = (String, String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Send now; it opens a window ending at `window_end`.
    Lead { window_end: i64 },
    /// Count it in this pending summary (the store may refuse: see [`Folds::claimed`]).
    FoldInto { summary: i64 },
    /// Open a summary due at `window_end`, holding this repeat.
    NewSummary { window_end: i64 },
}

#[derive(Debug, Clone, Copy)]
struct Group {
    window_end: i64,
    summary: Option<i64>,
}

#[derive(Debug)]
pub struct Folds {
    window_ms: i64,
    groups: HashMap<(Dest, String), Group>,
}

impl Folds {
    pub fn new(window_ms: i64) -> Self {
        Self { window_ms: window_ms.max(1), groups: HashMap::new() }
    }

    pub fn window_ms(&self) -> i64 {
        self.window_ms
    }

    /// What to do with one more notification of `key` for `dest` at `now`.
    pub fn step(&self, dest: &Dest, key: &str, now: i64) -> Step {
        let Some(g) = self.groups.get(&(dest.clone(), key.to_owned())) else {
            return Step::Lead { window_end: now + self.window_ms };
        };
        if now < g.window_end {
            return match g.summary {
                Some(summary) => Step::FoldInto { summary },
                None => Step::NewSummary { window_end: g.window_end },
            };
        }
        // The storm goes on into the next window: report it there rather than lead again.
        if g.summary.is_some() && now < g.window_end + self.window_ms {
            return Step::NewSummary { window_end: g.window_end + self.window_ms };
        }
        Step::Lead { window_end: now + self.window_ms }
    }

    pub fn led(&mut self, dest: &Dest, key: &str, window_end: i64) {
        self.groups.insert((dest.clone(), key.to_owned()), Group { window_end, summary: None });
    }

    pub fn summarised(&mut self, dest: &Dest, key: &str, summary: i64, window_end: i64) {
        self.groups.insert((dest.clone(), key.to_owned()), Group { window_end, summary: Some(summary) });
    }

    /// The summary had already started going out: the repeat opens the next window's.
    pub fn claimed(&mut self, dest: &Dest, key: &str) {
        if let Some(g) = self.groups.get_mut(&(dest.clone(), key.to_owned())) {
            g.summary = None;
            g.window_end += self.window_ms;
        }
    }

    /// Forget windows long over, so the map does not grow with every key ever seen.
    pub fn prune(&mut self, now: i64) {
        let keep = 2 * self.window_ms;
        self.groups.retain(|_, g| g.window_end + keep > now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plays notifications at `times` through the folds as the writer does, with summaries
    /// claimed by the channel when they fall due; returns each message sent: (time, folded).
    fn play(window: i64, times: &[i64]) -> Vec<(i64, i32)> {
        let dest: Dest = ("telegram".into(), "1".into());
        let mut folds = Folds::new(window);
        let mut pending: Vec<(i64, i64, i32)> = Vec::new(); // (id, due, folded)
        let mut sent = Vec::new();
        let mut next_id = 1;
        for &t in times {
            // Summaries due before `t` go out first (the channel's worker claims them).
            pending.retain(|(_, due, folded)| {
                if *due <= t {
                    sent.push((*due, *folded));
                }
                *due > t
            });
            loop {
                match folds.step(&dest, "k", t) {
                    Step::Lead { window_end } => {
                        sent.push((t, 0));
                        folds.led(&dest, "k", window_end);
                    }
                    Step::FoldInto { summary } => match pending.iter_mut().find(|(id, ..)| *id == summary) {
                        Some(p) => p.2 += 1,
                        None => {
                            folds.claimed(&dest, "k");
                            continue;
                        }
                    },
                    Step::NewSummary { window_end } => {
                        pending.push((next_id, window_end, 1));
                        folds.summarised(&dest, "k", next_id, window_end);
                        next_id += 1;
                    }
                }
                break;
            }
        }
        sent.extend(pending.iter().map(|(_, due, folded)| (*due, *folded)));
        sent
    }

    #[test]
    fn a_thousand_in_ten_seconds_is_two_messages_that_count_them_all() {
        let times: Vec<i64> = (0..1000).map(|i| i * 10).collect();
        let sent = play(300_000, &times);
        assert_eq!(sent, [(0, 0), (300_000, 999)]);
    }

    #[test]
    fn a_storm_longer_than_the_window_gets_one_summary_per_window() {
        let times: Vec<i64> = (0..1000).map(|i| i * 10).collect(); // 0 .. 9.99 s
        let sent = play(4_000, &times);
        assert_eq!(sent.iter().map(|s| s.0).collect::<Vec<_>>(), [0, 4_000, 8_000, 12_000]);
        assert_eq!(sent.iter().map(|s| s.1 as usize).sum::<usize>() + 1, 1000, "every repeat counted once");
    }

    #[test]
    fn after_a_quiet_window_the_next_one_leads_again() {
        let sent = play(1_000, &[0, 500, 5_000]);
        assert_eq!(sent, [(0, 0), (1_000, 1), (5_000, 0)]);
        let sent = play(1_000, &[0, 3_000]);
        assert_eq!(sent, [(0, 0), (3_000, 0)], "no repeat, no summary");
    }
}
