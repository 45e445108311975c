fn main() {
    let text = std::fs::read_to_string(std::env::args().nth(1).expect("file")).expect("read");
    let pats = [
        ("telegram_link", r"(?i)(?:https?://)?(?:www\.)?(?:t|telegram)\.(?:me|dog)/(?:s/)?[a-z0-9_]{4,32}"),
        (
            "url",
            r#"(?i)(?:(?:https?|ftps?)://|www\.)[^\s<>"'`|\\^{}\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\u{3000}-\u{303F}\u{FF00}-\u{FFEF}]+"#,
        ),
        ("email", r"(?i)[a-z0-9._%+\-]+@[\p{L}\p{M}0-9\-]+(?:\.[\p{L}\p{M}0-9\-]+)+"),
        ("rat_tool", r"(?i)any[ \-]?desk|team[ \-]?viewer|rust[ \-]?desk|ultra[ \-]?viewer|supremo"),
        ("iban", r"[A-Za-z]{2}\d{2}(?:[ \-]?[A-Za-z0-9]){10,}"),
        ("eth", r"0[xX][0-9a-fA-F]{40}"),
        ("bech32", r"(?i)(?:bc1|ltc1)[02-9ac-hj-np-z]{6,87}"),
        ("base58", r"[13LMT][1-9A-HJ-NP-Za-km-z]{25,34}"),
        ("hex", r"[0-9a-fA-F]{32,}"),
        ("ipv6", r"(?i)[0-9a-f]{0,4}:[0-9a-f]{0,4}:[0-9a-f:.]*"),
        ("ipv4", r"(?:\d{1,3}\.){3}\d{1,3}"),
        ("phone", r"(?:\+[ \t]?)?(?:[(\[{][ \t]?)?\d(?:[ \t\-.()\[\]{}/]{0,8}\d){5,40}"),
        (
            "domain",
            r"(?i)(?:[\p{L}\p{M}0-9_](?:[\p{L}\p{M}0-9_\-]{0,61}[\p{L}\p{M}0-9])?\.)+[\p{L}][\p{L}\p{M}0-9\-]{1,62}",
        ),
        ("domain2", r"(?i)(?:[\p{L}\p{M}0-9_][\p{L}\p{M}0-9_\-]*\.)+\p{L}[\p{L}\p{M}0-9\-]+"),
        ("domain3", r"(?:[\p{L}\p{M}\p{N}_][\p{L}\p{M}\p{N}_\-]*\.)+\p{L}[\p{L}\p{M}\p{N}\-]+"),
        ("domain4", r"(?:[\w][\w\-]*\.)+\p{L}[\w\-]+"),
        ("handle", r"@[A-Za-z][A-Za-z0-9_]{3,31}"),
    ];
    for (name, p) in pats {
        let re = regex::Regex::new(p).unwrap();
        let t = std::time::Instant::now();
        let n = re.find_iter(&text).count();
        let s = t.elapsed().as_secs_f64();
        println!("{name:<14} {n:>8} matches {:>8.1} MB/s", text.len() as f64 / s / 1e6);
    }
}
