//! Which symbols may trade: wildcard include and ignore rules (`*DOWN*`), their validation with
//! the offending field named, and the verdict the engine turns into a refusal. Pure; the server
//! stores the rules and delivers them to the engine.

use crate::ids::{Symbol, Venue};
use crate::params::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest pattern accepted (a symbol is at most 20 characters; wildcards add a few).
pub const MAX_PATTERN_LEN: usize = 32;
/// Most patterns per list, so a rule set stays something a person can read.
pub const MAX_PATTERNS: usize = 100;

/// One pattern: upper-case letters, digits and `*`, which matches any run of characters
/// (also none). Built only by [`Pattern::new`], which upper-cases ASCII first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Pattern(String);

impl Pattern {
    pub fn new(raw: &str) -> Result<Self, String> {
        // ASCII only: Unicode upper-casing would turn "ß" into "SS" and let it through.
        let p = raw.to_ascii_uppercase();
        if p.is_empty() {
            return Err("must not be empty".into());
        }
        if p.len() > MAX_PATTERN_LEN {
            return Err(format!("must be at most {MAX_PATTERN_LEN} characters"));
        }
        if !p.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '*') {
            return Err(format!("{raw:?} may contain only letters, digits and `*`"));
        }
        Ok(Self(p))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whole-symbol match; `*` stands for any run of characters. Iterative, with one
    /// backtrack point (the last star), so it is linear in practice and never recurses.
    pub fn matches(&self, symbol: &str) -> bool {
        let (p, s) = (self.0.as_bytes(), symbol.as_bytes());
        let (mut pi, mut si) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while si < s.len() {
            if pi < p.len() && p[pi] == b'*' {
                star = Some((pi + 1, si));
                pi += 1;
            } else if pi < p.len() && p[pi] == s[si] {
                pi += 1;
                si += 1;
            } else if let Some((after_star, from)) = star {
                // Let the last star swallow one more character and retry from there.
                star = Some((after_star, from + 1));
                pi = after_star;
                si = from + 1;
            } else {
                return false;
            }
        }
        p[pi..].iter().all(|&c| c == b'*')
    }
}

impl TryFrom<String> for Pattern {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Pattern::new(&s)
    }
}

impl From<Pattern> for String {
    fn from(p: Pattern) -> String {
        p.0
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A symbol trades iff it matches at least one `include` pattern and no `ignore` pattern.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SymbolRules {
    pub include: Vec<Pattern>,
    pub ignore: Vec<Pattern>,
}

impl Default for SymbolRules {
    /// Everything trades.
    fn default() -> Self {
        Self { include: vec![Pattern("*".into())], ignore: vec![] }
    }
}

/// What the rules say about one symbol, naming the rule that decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict<'a> {
    Trades { include: &'a Pattern },
    Ignored { ignore: &'a Pattern },
    NotIncluded,
}

impl Verdict<'_> {
    pub fn trades(self) -> bool {
        matches!(self, Verdict::Trades { .. })
    }

    /// The deciding rule as shown to a person: "include *", "ignore *DOWN*".
    pub fn rule(self) -> Option<String> {
        match self {
            Verdict::Trades { include } => Some(format!("include {include}")),
            Verdict::Ignored { ignore } => Some(format!("ignore {ignore}")),
            Verdict::NotIncluded => None,
        }
    }
}

impl SymbolRules {
    pub fn verdict(&self, symbol: &Symbol) -> Verdict<'_> {
        let s = symbol.as_str();
        // Ignore wins: an explicit exclusion must not be undone by a broad include.
        if let Some(ignore) = self.ignore.iter().find(|p| p.matches(s)) {
            return Verdict::Ignored { ignore };
        }
        match self.include.iter().find(|p| p.matches(s)) {
            Some(include) => Verdict::Trades { include },
            None => Verdict::NotIncluded,
        }
    }

    pub fn trades(&self, symbol: &Symbol) -> bool {
        self.verdict(symbol).trades()
    }

    /// Why an open on `symbol` must be refused, or `None` when it may trade.
    pub fn refusal(&self, symbol: &Symbol) -> Option<String> {
        match self.verdict(symbol) {
            Verdict::Trades { .. } => None,
            Verdict::Ignored { ignore } => Some(format!("symbol {symbol} is excluded by rule ignore {ignore}")),
            Verdict::NotIncluded => {
                let list: Vec<&str> = self.include.iter().map(Pattern::as_str).collect();
                Some(format!("symbol {symbol} matches no include rule (include: {})", list.join(", ")))
            }
        }
    }
}

/// Body of `PUT /api/v1/symbols` (replace) and `POST /api/v1/symbols` (append), as typed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SymbolRulesRequest {
    #[serde(default)]
    pub include: Option<Vec<String>>,
    #[serde(default)]
    pub ignore: Option<Vec<String>>,
}

impl SymbolRulesRequest {
    /// The rule set a `PUT` installs. An absent `include` means every symbol (`*`); an empty
    /// one means none trades.
    pub fn replacement(&self) -> Result<SymbolRules, Vec<FieldError>> {
        let mut errors = Vec::new();
        let include = match &self.include {
            Some(raw) => patterns("include", raw, &[], &mut errors),
            None => SymbolRules::default().include,
        };
        let ignore = patterns("ignore", self.ignore.as_deref().unwrap_or_default(), &[], &mut errors);
        if errors.is_empty() { Ok(SymbolRules { include, ignore }) } else { Err(errors) }
    }

    /// `current` with this request's patterns appended (those already present are skipped).
    pub fn added_to(&self, current: &SymbolRules) -> Result<SymbolRules, Vec<FieldError>> {
        let (include, ignore) =
            (self.include.as_deref().unwrap_or_default(), self.ignore.as_deref().unwrap_or_default());
        if include.is_empty() && ignore.is_empty() {
            let message = "nothing to add: give `include` or `ignore` patterns";
            return Err(vec![FieldError { field: "ignore".into(), message: message.into() }]);
        }
        let mut errors = Vec::new();
        let include = patterns("include", include, &current.include, &mut errors);
        let ignore = patterns("ignore", ignore, &current.ignore, &mut errors);
        if errors.is_empty() { Ok(SymbolRules { include, ignore }) } else { Err(errors) }
    }
}

/// `existing` followed by the new patterns of `raw`, each checked and named by its index
/// (`ignore[1]`), duplicates dropped, the total bounded.
fn patterns(field: &str, raw: &[String], existing: &[Pattern], errors: &mut Vec<FieldError>) -> Vec<Pattern> {
    let mut out = existing.to_vec();
    for (i, r) in raw.iter().enumerate() {
        match Pattern::new(r) {
            Ok(p) if !out.contains(&p) => out.push(p),
            Ok(_) => {}
            Err(message) => errors.push(FieldError { field: format!("{field}[{i}]"), message }),
        }
    }
    if out.len() > MAX_PATTERNS {
        errors.push(FieldError { field: field.into(), message: format!("at most {MAX_PATTERNS} patterns") });
    }
    out
}

/// One entry of `GET /api/v1/symbols`: a symbol listed on the venues and whether the rules
/// let it trade. A superset of [`crate::api::SymbolInfo`], so older clients keep working.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SymbolStatus {
    pub symbol: Symbol,
    /// Venues that list it.
    pub venues: Vec<Venue>,
    pub trading: bool,
    /// The rule that decided ("include *", "ignore *DOWN*"); absent when no include matched.
    pub rule: Option<String>,
}

/// The answer to `PUT`/`POST /api/v1/symbols`: the rule set now in effect and its effect.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SymbolRulesBody {
    pub version: i64,
    pub rules: SymbolRules,
    pub symbols: Vec<SymbolStatus>,
}

#[cfg(test)]
mod tests;
