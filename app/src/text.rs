//! Unit enums as text. A variant's text is the name it serialises to (`partially_filled`), so
//! stored columns, CSV cells, query values and the SPA's labels all spell it the way the enum's
//! serde attributes do, and a rename there reaches every one of them.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The name `v` serialises to, or `""` for a value that is not a plain string (a struct, a
/// number): callers use this for unit enums only.
pub fn name<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// The value whose name is `s`; the error says which text was not understood.
pub fn parse<T: DeserializeOwned>(s: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|e| format!("{s:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::FundingKind;
    use crate::audit::AuditOutcome;
    use crate::auth::Role;
    use crate::history::HistoryList;
    use crate::trading::{OrderStatus, PositionStatus};
    use crate::{Venue, VenueMode};

    #[test]
    fn names_round_trip_and_match_the_hand_written_as_str() {
        assert_eq!(name(&OrderStatus::PartiallyFilled), "partially_filled");
        assert_eq!(parse::<OrderStatus>("partially_filled"), Ok(OrderStatus::PartiallyFilled));
        assert_eq!(parse::<PositionStatus>("closed"), Ok(PositionStatus::Closed));
        assert!(parse::<PositionStatus>("Closed").unwrap_err().contains("\"Closed\""));
        assert_eq!(name(&42), "", "not an enum name");
        // The enums that also have a `&'static str` form keep it equal to their serde name.
        for v in Venue::ALL {
            assert_eq!(name(&v), v.as_str());
        }
        for m in [VenueMode::Sim, VenueMode::Testnet, VenueMode::Mainnet] {
            assert_eq!(name(&m), m.as_str());
        }
        for r in Role::ALL {
            assert_eq!(name(&r), r.as_str());
        }
        for l in HistoryList::ALL {
            assert_eq!(name(&l), l.as_str());
        }
        for k in [FundingKind::Settled, FundingKind::Predicted] {
            assert_eq!(name(&k), k.as_str());
        }
        for o in [AuditOutcome::Ok, AuditOutcome::Refused, AuditOutcome::Failed] {
            assert_eq!(name(&o), o.as_str());
            assert_eq!(parse::<AuditOutcome>(o.as_str()), Ok(o));
        }
    }
}
