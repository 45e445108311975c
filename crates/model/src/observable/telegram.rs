//! Telegram usernames (users, bots, public groups and channels).

use super::{Reason, strip_prefix_ci};

/// Shortest username: 5 characters for usernames set in the app, 4 for collectible usernames
/// sold on Fragment (e.g. `@club`).
const MIN_LEN: usize = 4;
const MAX_LEN: usize = 32;

/// First path segments of `t.me` links that do not name an account.
const NON_ACCOUNT_PATHS: [&str; 20] = [
    "addemoji",
    "addlist",
    "addstickers",
    "addtheme",
    "bg",
    "boost",
    "c",
    "confirmphone",
    "contact",
    "giftcode",
    "invoice",
    "iv",
    "joinchat",
    "login",
    "m",
    "nft",
    "proxy",
    "setlanguage",
    "share",
    "socks",
];

/// Canonicalises a Telegram username to `@` and the lowercase name (Telegram usernames are
/// case-insensitive).
///
/// Accepted forms: `@name`, `name`, `t.me/name`, `https://t.me/name`, `telegram.me/name`,
/// `telegram.dog/name`, `name.t.me`, `t.me/s/name` (channel preview), links with a post number
/// or query (`t.me/name/123?single`), and `tg://resolve?domain=name`. Invite links
/// (`t.me/+…`, `t.me/joinchat/…`) and other non-account links are rejected, since they do not
/// name the account.
///
/// A username is 4 to 32 characters of `a-z`, `0-9` and `_`, starts with a letter and does not
/// end with an underscore.
pub(crate) fn canonical_telegram(raw: &str) -> Result<String, Reason> {
    let name = extract(raw.trim())?;
    check_username(name)?;
    let mut value = String::with_capacity(name.len() + 1);
    value.push('@');
    value.extend(name.chars().map(|c| c.to_ascii_lowercase()));
    Ok(value)
}

/// The username part of the accepted forms.
fn extract(s: &str) -> Result<&str, Reason> {
    if s.is_empty() {
        return Err("empty value".into());
    }
    if let Some(query) = strip_prefix_ci(s, "tg://resolve?") {
        return query
            .split('&')
            .find_map(|kv| kv.strip_prefix("domain="))
            .ok_or_else(|| "tg:// link without a domain= username".into());
    }
    let rest = strip_prefix_ci(s, "https://").or_else(|| strip_prefix_ci(s, "http://")).unwrap_or(s);
    let rest = strip_prefix_ci(rest, "www.").unwrap_or(rest);
    let (host, path) = match rest.split_once('/') {
        Some((host, path)) => (host, Some(path)),
        None => (rest, None),
    };
    let host_is = |h: &str| host.eq_ignore_ascii_case(h);
    if host_is("t.me") || host_is("telegram.me") || host_is("telegram.dog") {
        let path = path.unwrap_or("");
        let path = path.split(['?', '#']).next().unwrap_or("");
        let mut segments = path.split('/');
        let mut first = segments.next().unwrap_or("");
        if first == "s" {
            first = segments.next().unwrap_or("");
        }
        if first.is_empty() {
            return Err("link without a username".into());
        }
        if first.starts_with('+') || first.eq_ignore_ascii_case("joinchat") {
            return Err("invite links do not name an account".into());
        }
        if NON_ACCOUNT_PATHS.iter().any(|p| first.eq_ignore_ascii_case(p)) {
            return Err(format!("t.me/{first} links do not name an account").into());
        }
        return Ok(first);
    }
    if let Some(name) = host
        .len()
        .checked_sub(5)
        .filter(|&i| host.is_char_boundary(i) && host[i..].eq_ignore_ascii_case(".t.me"))
        .map(|i| &host[..i])
    {
        return Ok(name);
    }
    if path.is_some() || rest.len() != s.len() {
        return Err("not a telegram link".into());
    }
    Ok(s.strip_prefix('@').unwrap_or(s))
}

fn check_username(name: &str) -> Result<(), Reason> {
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '_')) {
        return Err(format!("invalid character {c:?} in username").into());
    }
    if !(MIN_LEN..=MAX_LEN).contains(&name.len()) {
        return Err(
            format!("username must be {MIN_LEN} to {MAX_LEN} characters, found {}", name.len()).into()
        );
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err("username must start with a letter".into());
    }
    if name.ends_with('_') {
        return Err("username cannot end with an underscore".into());
    }
    Ok(())
}

/// Kind inference: `@name` or a `t.me` / `telegram.me` link without a scheme.
pub(crate) fn looks_like_telegram(s: &str) -> bool {
    let candidate = s.starts_with('@')
        || strip_prefix_ci(s, "t.me/").is_some()
        || strip_prefix_ci(s, "telegram.me/").is_some()
        || strip_prefix_ci(s, "tg://").is_some();
    candidate && canonical_telegram(s).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        for raw in [
            "@Support_Refund_Team",
            "support_refund_team",
            "t.me/support_refund_team",
            "https://t.me/support_refund_team",
            "https://t.me/s/support_refund_team",
            "https://t.me/support_refund_team/123?single",
            "telegram.me/Support_Refund_Team",
            "https://support_refund_team.t.me",
            "tg://resolve?domain=support_refund_team",
        ] {
            assert_eq!(canonical_telegram(raw).unwrap(), "@support_refund_team", "{raw}");
        }
    }

    #[test]
    fn rejections() {
        for bad in [
            "@abc",
            "@1abcde",
            "@abcde_",
            "@abc-def",
            "https://t.me/+AbCdEf123",
            "https://t.me/joinchat/AbCdEf",
            "https://t.me/c/12345/6",
            "https://example.com/abcdef",
            "",
            "@",
        ] {
            assert!(canonical_telegram(bad).is_err(), "{bad} accepted");
        }
    }
}
