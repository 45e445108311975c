//! Traffic Light Protocol 2.0.

use serde::{Deserialize, Serialize};

/// A TLP 2.0 level. Ordered from least to most restrictive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Tlp {
    #[serde(rename = "CLEAR")]
    Clear,
    #[serde(rename = "GREEN")]
    Green,
    #[serde(rename = "AMBER")]
    Amber,
    #[serde(rename = "AMBER+STRICT")]
    AmberStrict,
    #[serde(rename = "RED")]
    Red,
}

/// The error for a TLP label that is neither TLP 2.0 nor TLP 1.0.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown tlp level {0:?} (expected CLEAR, GREEN, AMBER, AMBER+STRICT or RED)")]
pub struct UnknownTlp(pub String);

impl Tlp {
    pub const ALL: [Tlp; 5] = [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::AmberStrict, Tlp::Red];

    /// The TLP 2.0 label, e.g. `AMBER+STRICT`.
    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "CLEAR",
            Tlp::Green => "GREEN",
            Tlp::Amber => "AMBER",
            Tlp::AmberStrict => "AMBER+STRICT",
            Tlp::Red => "RED",
        }
    }

    /// The STIX 2.1 marking-definition id of the TLP 2.0 marking (OASIS cti-stix-common-objects).
    pub fn stix_marking_id(self) -> &'static str {
        match self {
            Tlp::Clear => "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
            Tlp::Green => "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
            Tlp::Amber => "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
            Tlp::AmberStrict => "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
            Tlp::Red => "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        }
    }

    /// Maps a STIX marking-definition id, TLP 2.0 or TLP 1.0, to a TLP 2.0 level.
    pub fn from_stix_marking_id(id: &str) -> Option<Tlp> {
        Some(match id {
            "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487" => Tlp::Clear,
            "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb" => Tlp::Green,
            "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421" => Tlp::Amber,
            "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003" => Tlp::AmberStrict,
            "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1" => Tlp::Red,
            // TLP 1.0 (STIX 2.1 spec, definition_type "tlp"); WHITE maps to CLEAR.
            "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9" => Tlp::Clear,
            "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da" => Tlp::Green,
            "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82" => Tlp::Amber,
            "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed" => Tlp::Red,
            _ => return None,
        })
    }

    /// Parses a TLP label, 2.0 or 1.0, case-insensitive, with or without a `TLP:` prefix.
    /// TLP 1.0 `WHITE` maps to `CLEAR`.
    pub fn parse(label: &str) -> Result<Tlp, UnknownTlp> {
        let t = label.trim();
        let upper = t.to_ascii_uppercase();
        let bare = upper.strip_prefix("TLP:").unwrap_or(&upper);
        Ok(match bare.trim() {
            "CLEAR" | "WHITE" => Tlp::Clear,
            "GREEN" => Tlp::Green,
            "AMBER" => Tlp::Amber,
            "AMBER+STRICT" => Tlp::AmberStrict,
            "RED" => Tlp::Red,
            _ => return Err(UnknownTlp(label.to_string())),
        })
    }

    /// Whether the report's audience (named organisations/communities) widens who may see it.
    pub fn uses_audience(self) -> bool {
        matches!(self, Tlp::Amber | Tlp::AmberStrict | Tlp::Red)
    }
}

impl std::fmt::Display for Tlp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Tlp {
    type Err = UnknownTlp;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Tlp::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip_and_tlp1_maps() {
        for t in Tlp::ALL {
            assert_eq!(Tlp::parse(t.as_str()).unwrap(), t);
            assert_eq!(Tlp::from_stix_marking_id(t.stix_marking_id()), Some(t));
        }
        assert_eq!(Tlp::parse("tlp:white").unwrap(), Tlp::Clear);
        assert_eq!(Tlp::parse("TLP:AMBER+STRICT").unwrap(), Tlp::AmberStrict);
        assert!(Tlp::parse("PURPLE").is_err());
        assert_eq!(
            Tlp::from_stix_marking_id("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"),
            Some(Tlp::Clear)
        );
        assert_eq!(serde_json::to_string(&Tlp::AmberStrict).unwrap(), "\"AMBER+STRICT\"");
    }
}
