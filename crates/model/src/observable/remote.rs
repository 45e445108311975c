//! Remote-access tool ids (AnyDesk, TeamViewer, …): the address a tech-support scammer asks a
//! victim to read out, or the id of the scammer's own desk in the victim's connection log.

use super::Reason;

/// The tools whose ids dragnet knows, by canonical name, with their other spellings.
pub const REMOTE_ACCESS_TOOLS: [(&str, &[&str]); 5] = [
    ("anydesk", &["any desk", "any-desk"]),
    ("teamviewer", &["team viewer", "team-viewer"]),
    ("rustdesk", &["rust desk", "rust-desk"]),
    ("ultraviewer", &["ultra viewer", "ultra-viewer"]),
    ("supremo", &[]),
];

/// The canonical tool name for a spelling of it (case-insensitive), if known.
pub fn remote_access_tool(name: &str) -> Option<&'static str> {
    let name = name.trim();
    REMOTE_ACCESS_TOOLS.iter().find_map(|(tool, other)| {
        (name.eq_ignore_ascii_case(tool) || other.iter().any(|o| name.eq_ignore_ascii_case(o)))
            .then_some(*tool)
    })
}

/// Canonicalises a remote-access id to `tool:digits`, e.g. `anydesk:123456789`.
///
/// Accepted forms: `tool:id`, `tool id`, `tool ID: id` (any spelling of the tool, any case), the id
/// grouped by spaces or hyphens (`1 234 567 890`). Ids are 9 or 10 digits, as the tools give
/// them out; aliases (`name@ad`) and one-time session codes are not ids.
pub(crate) fn canonical_remote_access(raw: &str) -> Result<String, Reason> {
    let s = raw.trim();
    let split = s.find(|c: char| c.is_ascii_digit()).ok_or("no id after the tool name")?;
    let (head, id) = s.split_at(split);
    let head = head.trim_end().trim_end_matches(':').trim_end();
    let head = head.strip_suffix(" id").or_else(|| head.strip_suffix(" ID")).unwrap_or(head);
    let head = head.trim_end().trim_end_matches(':').trim_end();
    if head.is_empty() {
        return Err("missing tool name, e.g. anydesk:123456789".into());
    }
    let tool = remote_access_tool(head).ok_or_else(|| {
        Reason::from(format!(
            "unknown remote-access tool {head:?}; known: anydesk, teamviewer, rustdesk, ultraviewer, supremo"
        ))
    })?;
    let mut digits = String::with_capacity(10);
    for c in id.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' => {}
            _ => return Err(format!("unexpected {c:?} in the id").into()),
        }
    }
    if !(9..=10).contains(&digits.len()) {
        return Err(format!("an id has 9 or 10 digits, not {}", digits.len()).into());
    }
    Ok(format!("{tool}:{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        for raw in
            ["anydesk:123456789", "AnyDesk 123 456 789", "Any Desk ID: 123-456-789", " anydesk:123456789 "]
        {
            assert_eq!(canonical_remote_access(raw).unwrap(), "anydesk:123456789", "{raw}");
        }
        assert_eq!(canonical_remote_access("TeamViewer 1 234 567 890").unwrap(), "teamviewer:1234567890");
        assert_eq!(canonical_remote_access("rustdesk:987654321").unwrap(), "rustdesk:987654321");
        for bad in [
            "123456789",
            "anydesk:12345678",
            "anydesk:12345678901",
            "zoom:123456789",
            "anydesk:12345678x",
            "",
        ] {
            assert!(canonical_remote_access(bad).is_err(), "{bad}");
        }
    }
}
