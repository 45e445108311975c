use proptest::prelude::*;
use stix::pattern::{
    Comparison, Equality, Literal, ObjectPath, Operator, PathStep, Pattern, Qualifier, equality_pattern,
    escape, parse,
};

/// The patterns of the STIX 2.1 patterning examples, as the OASIS `cti-pattern-validator`
/// lists them (`stix2patterns/test/spec_examples.txt`).
const SPEC_EXAMPLES: &[&str] = &[
    r"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    r"[email-message:from_ref.value MATCHES '.+\\@example\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\.exe$']",
    r"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' AND file:mime_type = 'application/x-pdf']",
    r"[file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] AND [file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    r"([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [win-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) WITHIN 300 SECONDS",
    r"[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1009' AND user-account:account_login = 'Mary']",
    r"[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\xd4\\xc3\\xb2\\xa1\\x02\\x00\\x04\\x00']",
    r"[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\Windows\\System32']",
    r"[file:extensions.windows-pebinary-ext.sections[*].entropy > 7.0]",
    r"[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']",
    r"[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']",
    r"[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS",
    r"[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']",
    r"[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']",
    r"[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
    r"[windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\CryptoLocker\\Files' OR windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\Microsoft\\CurrentVersion\\Run\\CryptoLocker_0388']",
    r"[(file:name = 'pdf.exe' OR file:size = '371712') AND file:created = t'2014-01-13T07:03:17Z']",
    r"[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']",
    r"[x-usb-device:usbdrive.serial_number = '575833314133343231313937']",
    r"[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] FOLLOWEDBY [process:command_line MATCHES'^.+>-add GlobalSign.cer -c -s -r localMachineTrustedPublisher$'] WITHIN 300 SECONDS",
    r"[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']",
    r"([file:name = 'foo.dll'] AND [win-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) OR [process:name = 'fooproc' OR process:name = 'procfoo']",
    // STIX 2.1 §9 forms not in the list above.
    r"[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
    r"[network-traffic:extensions.'http-request-ext'.request_header.'Accept-Encoding' NOT = 'gzip']",
    r"[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
    r"[EXISTS windows-registry-key:values]",
    r"[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128']",
    r"[network-traffic:dst_port IN () AND network-traffic:is_active = true AND network-traffic:dst_packets <= -1]",
    r"[x-test:list[0].x[-1] = -0.5 /* a comment */] // trailing comment",
];

/// The OASIS validator's passing cases (`stix2patterns/test/v21/test_validator.py`).
const PASS_CASES: &[&str] = &[
    "[file:size = 1280]",
    "[file:size != 1280]",
    "[file:size < 1024]",
    "[file:size <= 1024]",
    "[file:size > 1024]",
    "[file:size >= 1024]",
    "[file:file_name = 'my_file_name']",
    "[file:extended_properties.'ntfs-ext'.sid = '234']",
    r"[emailaddr:value MATCHES '.+\\\\@ibm\\\\.com$' OR file:name MATCHES '^Final Report.+\\\\.exe$']",
    "[ipv4addr:value ISSUBSET '192.168.0.1/24']",
    "[ipv4addr:value NOT ISSUBSET '192.168.0.1/24']",
    "[user-account:value = 'Peter'] AND [user-account:value != 'Paul'] AND [user-account:value = 'Mary'] WITHIN 5 SECONDS",
    "[file:file_system_properties.file_name LIKE 'name%']",
    "[file:file_name IN ('test.txt', 'test2.exe', 'README')]",
    "[file:size IN (1024, 2048, 4096)]",
    "[network-connection:extended_properties[0].source_payload MATCHES 'dGVzdHRlc3R0ZXN0']",
    r"[win-registry-key:key = 'hkey_local_machine\\foo\\bar'] WITHIN 5 SECONDS",
    "[x_whatever:detected == t'2018-03-22T12:11:14.1Z']",
    "[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']",
    "[foo:bar=1] REPEATS 9 TIMES",
    "[network-traffic:start = '2018-04-20T12:36:24.558Z']",
    "( [(network-traffic:dst_port IN(443,6443,8443) AND network-traffic:src_packets != 0) ])",
    r"([win-registry-key:key = 'hkey_local_machine\\foo\\bar']) WITHIN 5 SECONDS WITHIN 6 SECONDS",
    r"([win-registry-key:key = 'hkey_local_machine\\foo\\bar'] REPEATS 2 TIMES) REPEATS 2 TIMES",
    "[network-traffic:src_port = 37020 AND user-account:user_id = 'root'] START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00.123Z' OR [ipv4-addr:value = '192.168.122.83'] START t'2016-06-01T03:55:00.123Z' STOP t'2016-06-01T04:30:24.743Z'",
];

/// The OASIS validator's failing cases, with the offset of the fault. Its one semantic case
/// (`'f00' is not a valid SHA-256 hash`) is an object check, not grammar, and is not here.
const FAIL_CASES: &[(&str, usize)] = &[
    ("file:size = 1280", 0),
    ("[file:size = ]", 13),
    ("[file:hashes.MD5 = cead3f77f6cda6ec00f57d76c9a6879f]", 19),
    ("[file.size = 1280]", 5),
    (r"[file:name MATCHES /.*\\.dll/]", 19),
    (r"[win-registry-key:key = 'hkey_local_machine\\foo\\bar'] WITHIN ]", 63),
    (r"[win-registry-key:key = 'hkey_local_machine\\foo\\bar'] WITHIN 5 HOURS]", 65),
    (r"[win-registry-key:key = 'hkey_local_machine\\foo\\bar'] WITHIN -5 SECONDS]", 63),
    ("[network-traffic:dst_ref.value ISSUBSET ]", 40),
    ("[file:hashes.MD5 =? 'cead3f77f6cda6ec00f57d76c9a6879f']", 18),
    ("[x_whatever:detected == t'2457-73-22T32:81:84.1Z']", 24),
    ("[artifact:payload_bin = b'====']", 24),
    ("[foo:bar=1] within 2 seconds", 12),
    (r"[win-registry-key:key = 'hkey_local_machine\\foo\\bar'] WITHIN 5 SECONDS WITHIN 6 SECONDS", 73),
    (r"([win-registry-key:key = 'hkey_local_machine\\foo\\bar'] REPEATS 2 TIMES REPEATS 3 TIMES)", 73),
    (
        r"[win-registry-key:key = 'hkey_local_machine\\foo\\bar'] START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00.123Z' START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00.123Z'",
        123,
    ),
];

#[test]
fn spec_examples_and_validator_pass_cases_parse() {
    for p in SPEC_EXAMPLES.iter().chain(PASS_CASES) {
        let parsed = parse(p).unwrap_or_else(|e| panic!("{p}: {e}"));
        // What Display writes parses back to the same tree.
        let again = parse(&parsed.to_string()).unwrap_or_else(|e| panic!("{parsed}: {e}"));
        assert_eq!(again, parsed, "{p}");
    }
}

#[test]
fn validator_fail_cases_fail_where_the_fault_is() {
    for (p, offset) in FAIL_CASES {
        let e = parse(p).expect_err(p);
        assert_eq!(e.offset, *offset, "{p}: {e}");
        assert!(e.to_string().starts_with("pattern: "), "{e}");
        assert!(e.to_string().ends_with(&format!(" at {offset}")), "{e}");
        // Lowercase (quoted tokens keep their case), no trailing period.
        assert!(e.message.starts_with(|c: char| c.is_ascii_lowercase() || c == '\'' || c == '>'), "{e}");
        assert!(!e.message.ends_with('.'), "{e}");
    }
}

#[test]
fn other_invalid_patterns_fail() {
    let cases: &[(&str, &str)] = &[
        ("", "expected '[' or '(', found end of pattern"),
        ("[]", "expected an object type, found ']'"),
        ("[ipv4-addr:value = '1.2.3.4'", "expected ']', found end of pattern"),
        ("[ipv4-addr:value = '1.2.3.4]", "unterminated string"),
        (r"[ipv4-addr:value = 'a\nb']", r"invalid escape in string (only \' and \\ are allowed)"),
        ("[file:size LIKE 3]", "LIKE needs a string literal"),
        ("[file:size > true]", "> needs an orderable literal (not a boolean)"),
        ("[file:size = 01]", "invalid number (leading zero)"),
        ("[file:size = 99999999999999999999]", "integer out of range"),
        ("[file:size = 1] REPEATS 0 TIMES", "expected a positive integer"),
        ("[file:size = 1] AND", "expected '[' or '(', found end of pattern"),
        ("[file:size = 1] [file:size = 2]", "unexpected '['"),
        ("[file:magic_number_hex = h'abc']", "invalid hex literal \"abc\""),
        (
            "[file:size = 1] START '2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
            "expected a timestamp t'…', found string",
        ),
        ("[file:x[a] = 1]", "expected a list index or '*', found 'a'"),
        ("[file:size IN ('a' 'b')]", "expected ',' or ')', found string"),
        ("[file:size = 1 /* open", "unterminated comment"),
    ];
    for (p, message) in cases {
        let e = parse(p).expect_err(p);
        assert_eq!(e.message, *message, "{p}");
    }
    // Deep nesting is refused, not a stack overflow.
    let deep = format!("{}[a:b = 1]{}", "(".repeat(10_000), ")".repeat(10_000));
    assert_eq!(parse(&deep).unwrap_err().message, "pattern nested too deeply");
    let deep = format!("[{}a:b = 1{}]", "(".repeat(10_000), ")".repeat(10_000));
    assert_eq!(parse(&deep).unwrap_err().message, "pattern nested too deeply");
}

#[test]
fn every_pattern_in_the_test_data_parses() {
    fn walk(v: &serde_json::Value, found: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(p)) = map.get("pattern")
                    && map.get("pattern_type").and_then(|t| t.as_str()).is_none_or(|t| t == "stix")
                {
                    found.push(p.clone());
                }
                map.values().for_each(|x| walk(x, found));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|x| walk(x, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    let mut stack = vec![crate::testdata()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let v: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                walk(&v, &mut found);
            }
        }
    }
    assert!(found.len() >= 40, "only {} patterns found", found.len());
    for p in &found {
        parse(p).unwrap_or_else(|e| panic!("{p}: {e}"));
    }
}

#[test]
fn equalities_name_observables() {
    let p = parse(
        "[domain-name:value = 'evil.example' OR ipv4-addr:value = '198.51.100.7' OR ipv4-addr:value != '10.0.0.1'] \
         AND [file:hashes.'SHA-256' = 'AB' AND file:hashes.MD5 NOT = 'cd' AND file:size = '12'] \
         FOLLOWEDBY [url:value IN ('http://a.example/', 'http://b.example/', 3) AND email-message:to_refs[*].value = 'x@y.example'] \
         OR [email-addr:value NOT IN ('no@example.com')]",
    )
    .unwrap();
    let eq = |t: &str, path: &[&str], v: &str| Equality {
        object_type: t.into(),
        path: path.iter().map(|s| (*s).to_owned()).collect(),
        value: v.into(),
    };
    assert_eq!(
        p.equalities(),
        vec![
            eq("domain-name", &["value"], "evil.example"),
            eq("ipv4-addr", &["value"], "198.51.100.7"),
            eq("file", &["hashes", "SHA-256"], "AB"),
            eq("file", &["size"], "12"),
            eq("url", &["value"], "http://a.example/"),
            eq("url", &["value"], "http://b.example/"),
        ]
    );
}

#[test]
fn the_tree_is_what_the_pattern_says() {
    let p = parse(r"[file:hashes.'SHA-256' NOT = 'a\'b\\c'] REPEATS 2 TIMES").unwrap();
    assert_eq!(
        p,
        Pattern::Qualified(
            Box::new(Pattern::Observation(Comparison::Test {
                path: ObjectPath {
                    object_type: "file".into(),
                    steps: vec![PathStep::Key("hashes".into()), PathStep::Key("SHA-256".into())],
                },
                negated: true,
                op: Operator::Eq,
                value: Literal::String(r"a'b\c".into()),
            })),
            Qualifier::Repeats(2),
        )
    );
    assert_eq!(p.to_string(), r"[file:hashes.'SHA-256' NOT = 'a\'b\\c'] REPEATS 2 TIMES");
}

#[test]
fn equality_pattern_quotes_paths_and_escapes_values() {
    assert_eq!(equality_pattern("file", &["hashes", "SHA-256"], "ab"), "[file:hashes.'SHA-256' = 'ab']");
    assert_eq!(equality_pattern("file", &["hashes", "MD5"], "ab"), "[file:hashes.MD5 = 'ab']");
    assert_eq!(equality_pattern("url", &["value"], r"http://x/'\"), r"[url:value = 'http://x/\'\\']");
    assert_eq!(escape(r"it's a \ test"), r"it\'s a \\ test");
}

fn literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        any::<String>().prop_map(Literal::String),
        any::<i64>().prop_map(Literal::Int),
        (-1_000_000i64..1_000_000).prop_map(|n| Literal::Float(n as f64 / 8.0)),
        any::<bool>().prop_map(Literal::Bool),
        Just(Literal::Timestamp("2016-05-12T08:17:27.000Z".into())),
        "([0-9a-f]{2}){0,8}".prop_map(Literal::Hex),
        "([A-Za-z0-9+/]{4}){1,3}".prop_map(Literal::Binary),
    ]
}

fn path() -> impl Strategy<Value = ObjectPath> {
    let step = prop_oneof![
        3 => "[a-z_][a-z0-9_]{0,6}".prop_map(PathStep::Key),
        2 => any::<String>().prop_map(PathStep::Key),
        1 => (-3i64..10).prop_map(PathStep::Index),
        1 => Just(PathStep::Any),
    ];
    ("[a-z][a-z0-9-]{0,10}", any::<String>(), prop::collection::vec(step, 0..4)).prop_map(
        |(t, first, rest)| {
            let mut steps = vec![PathStep::Key(first)];
            steps.extend(rest);
            ObjectPath { object_type: t, steps }
        },
    )
}

fn comparison() -> impl Strategy<Value = Comparison> {
    let ops = prop_oneof![
        Just(Operator::Eq),
        Just(Operator::Ne),
        Just(Operator::Lt),
        Just(Operator::Ge),
        Just(Operator::Like),
        Just(Operator::Matches),
        Just(Operator::IsSubset),
        Just(Operator::IsSuperset),
    ];
    let leaf = prop_oneof![
        (path(), any::<bool>(), ops, literal()).prop_map(|(path, negated, op, value)| {
            // Keep the literal kinds each operator accepts.
            let value = match (op, value) {
                (Operator::Like | Operator::Matches | Operator::IsSubset | Operator::IsSuperset, v) => {
                    Literal::String(v.to_string())
                }
                (Operator::Lt | Operator::Ge, Literal::Bool(_)) => Literal::Int(1),
                (_, v) => v,
            };
            Comparison::Test { path, negated, op, value }
        }),
        (path(), any::<bool>(), prop::collection::vec(literal(), 0..4))
            .prop_map(|(path, negated, set)| Comparison::In { path, negated, set }),
        path().prop_map(Comparison::Exists),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Comparison::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| Comparison::Or(Box::new(a), Box::new(b))),
        ]
    })
}

fn pattern() -> impl Strategy<Value = Pattern> {
    let qualifier = prop_oneof![
        (1u32..100_000).prop_map(|n| Qualifier::Within(f64::from(n) / 4.0)),
        (1u64..1000).prop_map(Qualifier::Repeats),
        Just(Qualifier::StartStop {
            start: "2016-06-01T01:30:00.123Z".into(),
            stop: "2016-06-01T02:20:00Z".into()
        }),
    ];
    comparison().prop_map(Pattern::Observation).prop_recursive(3, 10, 2, move |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Pattern::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Pattern::Or(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Pattern::FollowedBy(Box::new(a), Box::new(b))),
            (inner, qualifier.clone()).prop_map(|(p, q)| Pattern::Qualified(Box::new(p), q)),
        ]
    })
}

proptest! {
    #[test]
    fn an_equality_pattern_round_trips_its_value(value in any::<String>(), key in any::<String>()) {
        let p = equality_pattern("x-test", &["value", &key], &value);
        let parsed = parse(&p).unwrap();
        let eq = parsed.equalities();
        prop_assert_eq!(eq.len(), 1);
        prop_assert_eq!(&eq[0].value, &value);
        prop_assert_eq!(&eq[0].path, &vec!["value".to_owned(), key]);
    }

    #[test]
    fn quotes_and_backslashes_round_trip(value in r"[a'\\\\ ]{0,24}") {
        let p = equality_pattern("url", &["value"], &value);
        prop_assert_eq!(parse(&p).unwrap().equalities()[0].value.clone(), value);
    }

    #[test]
    fn display_parses_back_to_the_same_tree(p in pattern()) {
        let text = p.to_string();
        let parsed = parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(parsed, p);
    }

    #[test]
    fn arbitrary_input_never_panics(s in any::<String>()) {
        let _ = parse(&s);
    }

    #[test]
    fn near_patterns_never_panic(s in r"[\[\]()'a-z:.=!<>0-9 \\*,-]{0,40}") {
        if let Err(e) = parse(&s) {
            prop_assert!(e.offset <= s.len());
        }
    }
}
