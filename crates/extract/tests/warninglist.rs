//! Warning lists: MISP format, matching semantics per list type, and the built-in defaults.

use extract::warninglist::ListType;
use extract::{WarningList, WarningListError, WarningLists};
use model::ObservableKind as K;

fn list(list_type: &str, matching: &[&str], entries: &[&str]) -> WarningList {
    let json = serde_json::json!({
        "name": format!("test {list_type}"),
        "version": 3,
        "description": "a test list",
        "matching_attributes": matching,
        "type": list_type,
        "list": entries,
    });
    WarningList::from_json(&json.to_string()).expect("test list parses")
}

// --- format -----------------------------------------------------------------------------------

#[test]
fn parses_the_misp_fields() {
    let l = list("hostname", &["domain", "url"], &["example.com"]);
    assert_eq!(l.name, "test hostname");
    assert_eq!(l.description, "a test list");
    assert_eq!(l.version, 3);
    assert_eq!(l.list_type, ListType::Hostname);
    assert_eq!(l.matching_attributes, ["domain", "url"]);
    assert_eq!(l.entry_count(), 1);
    assert!(l.skipped().is_empty());
}

#[test]
fn unknown_fields_are_ignored() {
    let json = r#"{
        "name": "with extras", "version": 1, "description": "d", "type": "string",
        "category": "false_positive", "uuid": "0c0e2d4a-0000-4000-8000-000000000000",
        "matching_attributes": ["md5"], "list": ["d41d8cd98f00b204e9800998ecf8427e"],
        "something": {"nested": [1, 2, 3]}
    }"#;
    let l = WarningList::from_json(json).unwrap();
    assert!(l.matches(K::Md5, "d41d8cd98f00b204e9800998ecf8427e"));
}

#[test]
fn misp_defaults_for_missing_type_and_version() {
    // MISP reads a missing type as `string`, a missing version as 1, and a one-element array
    // as the type.
    let l = WarningList::from_json(r#"{"name": "n", "description": "d", "list": ["a"]}"#).unwrap();
    assert_eq!((l.list_type, l.version), (ListType::String, 1));
    let l = WarningList::from_json(r#"{"name": "n", "type": ["cidr"], "version": "7", "list": []}"#).unwrap();
    assert_eq!((l.list_type, l.version), (ListType::Cidr, 7));
}

#[test]
fn list_may_be_an_object_of_value_to_comment() {
    let json = r#"{"name": "commented", "version": 1, "description": "d", "type": "string",
                   "list": {"8.8.8.8": "Google", "9.9.9.9": "Quad9"}}"#;
    let l = WarningList::from_json(json).unwrap();
    assert_eq!(l.entry_count(), 2);
    assert!(l.matches(K::Ipv4, "9.9.9.9"));
}

#[test]
fn blank_entries_are_dropped_and_non_strings_reported() {
    let json = r#"{"name": "n", "version": 1, "description": "d", "type": "string",
                   "list": ["a", "", "  ", null, 42, {"x": 1}]}"#;
    let l = WarningList::from_json(json).unwrap();
    assert_eq!(l.entry_count(), 2); // "a" and "42"
    assert_eq!(l.skipped().len(), 1);
    assert!(l.skipped()[0].contains("not a string"), "{:?}", l.skipped());
}

#[test]
fn bad_json_is_an_error_naming_the_problem() {
    let cases: &[(&str, &str)] = &[
        (r#"{"name": "x", "list": ["a",]}"#, "invalid warning list json"),
        (r#"["a", "b"]"#, "not an object"),
        (r#"{"version": 1, "list": []}"#, "no `name` field"),
        (r#"{"name": "x", "type": "string"}"#, "no `list` field"),
        (r#"{"name": "  ", "list": []}"#, "empty name"),
        (r#"{"name": "x", "type": "glob", "list": []}"#, "unknown warning list type \"glob\""),
        (r#"{"name": "x", "version": -1, "list": []}"#, "`version` is not a non-negative integer"),
        (r#"{"name": "x", "list": "8.8.8.8"}"#, "`list` is not an array of strings"),
        (r#"{"name": 5, "list": []}"#, "`name` is not a string"),
        (r#"{"name": "x", "matching_attributes": "ip-src", "list": []}"#, "`matching_attributes`"),
    ];
    for (json, expected) in cases {
        let err = WarningList::from_json(json).unwrap_err();
        let message = err.to_string();
        assert!(message.contains(expected), "{json}: {message}");
        assert!(message.starts_with(|c: char| c.is_lowercase()), "{message}");
        assert!(!message.ends_with('.'), "{message}");
    }
    assert!(matches!(WarningList::from_json("{").unwrap_err(), WarningListError::Json(_)));
}

#[test]
fn parses_a_real_misp_list() {
    // tests/data/misp-public-dns-v4.json is lists/public-dns-v4/list.json from
    // https://github.com/MISP/misp-warninglists (CC0 1.0, public domain dedication), shortened to
    // its first 20 entries and otherwise unchanged.
    let json = include_str!("data/misp-public-dns-v4.json");
    let l = WarningList::from_json(json).unwrap();
    assert_eq!(l.name, "List of known IPv4 public DNS resolvers");
    assert_eq!(l.version, 20210830);
    assert_eq!(l.list_type, ListType::Cidr);
    assert_eq!(l.entry_count(), 20);
    assert!(l.skipped().is_empty());
    assert!(l.applies_to(K::Ipv4) && l.applies_to(K::Ipv6) && l.applies_to(K::Domain));
    assert!(!l.applies_to(K::Url) && !l.applies_to(K::Email));
    assert!(l.matches(K::Ipv4, "1.1.1.1"));
    assert!(l.matches(K::Ipv4, "1.33.184.247"));
    assert!(!l.matches(K::Ipv4, "1.1.1.3"));
    assert!(!l.matches(K::Domain, "one.one.one.one"));
}

// --- kinds ------------------------------------------------------------------------------------

#[test]
fn applies_to_follows_matching_attributes() {
    let l = list("string", &["ip-src", "filename|sha256", "phone-number", "btc"], &["x"]);
    for kind in [K::Ipv4, K::Ipv6, K::Sha256, K::Phone, K::Btc] {
        assert!(l.applies_to(kind), "{kind}");
    }
    for kind in [K::Domain, K::Url, K::Email, K::Md5, K::Eth, K::Iban, K::Telegram] {
        assert!(!l.applies_to(kind), "{kind}");
    }
    // Empty means every kind; only unknown types means none.
    let all = list("string", &[], &["x"]);
    assert!(K::ALL.iter().all(|&k| all.applies_to(k)));
    let none = list("string", &["filename", "regkey"], &["x"]);
    assert!(K::ALL.iter().all(|&k| !none.applies_to(k)));
    assert!(!none.matches(K::Domain, "x"));
    // dragnet's own kind names are accepted.
    let own = list("string", &["eth", "telegram"], &["x"]);
    assert!(own.applies_to(K::Eth) && own.applies_to(K::Telegram) && !own.applies_to(K::Btc));
}

#[test]
fn email_and_url_attribute_families() {
    let l = list("string", &["whois-registrant-email", "link"], &["x"]);
    assert!(l.applies_to(K::Email) && l.applies_to(K::Url) && !l.applies_to(K::Domain));
}

// --- string -----------------------------------------------------------------------------------

#[test]
fn string_is_an_exact_match_on_canonical_forms() {
    let l = list(
        "string",
        &["domain", "ip-dst", "md5", "url", "email"],
        &[
            "Example.COM",
            "2001:0DB8:0:0:0:0:0:1",
            "D41D8CD98F00B204E9800998ECF8427E",
            "HTTPS://Bit.ly/AbC",
            "Scam@Example.ORG",
        ],
    );
    assert!(l.matches(K::Domain, "example.com"));
    assert!(!l.matches(K::Domain, "www.example.com"), "string lists do not match subdomains");
    assert!(l.matches(K::Ipv6, "2001:db8::1"));
    assert!(l.matches(K::Md5, "d41d8cd98f00b204e9800998ecf8427e"));
    assert!(l.matches(K::Url, "https://bit.ly/AbC"));
    assert!(!l.matches(K::Url, "https://bit.ly/abc"), "url paths keep their case");
    assert!(l.matches(K::Email, "scam@example.org"));
    assert!(!l.matches(K::Url, "http://example.com/"), "a domain entry is not a url");
    assert!(!l.matches(K::Domain, "example.co"));
}

#[test]
fn string_list_for_every_kind_canonicalises_by_shape() {
    let l = list("string", &[], &["PayPal.com", "0xDE0B295669A9FD93D5F28D9EC85E40F4CB697BAE", "8.8.8.8"]);
    assert!(l.matches(K::Domain, "paypal.com"));
    assert!(l.matches(K::Eth, "0xde0b295669a9fd93d5f28d9ec85e40f4cb697bae"));
    assert!(l.matches(K::Ipv4, "8.8.8.8"));
}

// --- substring --------------------------------------------------------------------------------

#[test]
fn substring_contains_case_sensitively_as_misp() {
    let l = list("substring", &["url", "domain"], &["ngrok", "pages.dev", "Upper"]);
    assert!(l.matches(K::Url, "https://abc123.ngrok-free.app/login"));
    assert!(l.matches(K::Domain, "scam.pages.dev"));
    assert!(l.matches(K::Url, "https://example.com/Upper"));
    assert!(!l.matches(K::Url, "https://example.com/upper"), "MISP compares substrings case-sensitively");
    assert!(!l.matches(K::Domain, "example.com"));
    assert!(!l.matches(K::Email, "ngrok@example.com"), "email is not in matching_attributes");
    let empty = list("substring", &[], &[]);
    assert!(!empty.matches(K::Domain, "anything"));
}

// --- hostname ---------------------------------------------------------------------------------

#[test]
fn hostname_matches_the_domain_and_its_subdomains_only() {
    let l = list(
        "hostname",
        &["domain", "hostname", "url", "email"],
        &["paypal.com", "*.Bit.LY.", "https://t.co/"],
    );
    assert!(l.matches(K::Domain, "paypal.com"));
    assert!(l.matches(K::Domain, "login.paypal.com"));
    assert!(l.matches(K::Domain, "a.b.c.paypal.com"));
    assert!(!l.matches(K::Domain, "paypal.com.evil.net"), "look-alike with the brand as a label");
    assert!(!l.matches(K::Domain, "evilpaypal.com"), "suffix without a dot boundary");
    assert!(!l.matches(K::Domain, "paypal.co"));
    assert!(l.matches(K::Domain, "bit.ly"));
    assert!(l.matches(K::Domain, "t.co"));
}

#[test]
fn hostname_uses_the_host_of_urls_and_other_values_whole() {
    let l = list("hostname", &["url", "email"], &["bit.ly", "paypal.com"]);
    assert!(l.matches(K::Url, "https://bit.ly/abc"));
    assert!(l.matches(K::Url, "http://user:pw@www.paypal.com:8443/signin?x=1#top"));
    assert!(!l.matches(K::Url, "https://paypal.com.evil.net/bit.ly"));
    assert!(!l.matches(K::Url, "https://evil.net/?r=https://paypal.com/"));
    // MISP compares an e-mail address whole: it ends with `.paypal.com` or it does not.
    assert!(!l.matches(K::Email, "service@paypal.com"));
    assert!(l.matches(K::Email, "service@mail.paypal.com"));
    assert!(!l.matches(K::Email, "paypal.com@evil.net"));
    // Without a kind, a value with a scheme is a URL and anything else is compared whole.
    assert!(l.contains(None, "https://www.paypal.com/x"));
    assert!(l.contains(None, "login.paypal.com"));
    assert!(!l.contains(None, "paypal.com.evil.net"));
}

#[test]
fn hostname_entries_may_be_ip_addresses() {
    let l = list("hostname", &["url", "ip-dst"], &["192.0.2.1", "[2001:DB8::1]"]);
    assert!(l.matches(K::Ipv4, "192.0.2.1"));
    assert!(l.matches(K::Url, "http://192.0.2.1/x"));
    assert!(l.matches(K::Url, "http://[2001:db8::1]:8080/"));
    assert!(l.matches(K::Ipv6, "2001:db8::1"));
    assert!(!l.matches(K::Ipv4, "192.0.2.10"));
    assert!(!l.matches(K::Ipv4, "0.2.1"));
}

#[test]
fn bad_hostname_entries_are_skipped_and_reported() {
    let l = list("hostname", &[], &["good.example", "foo.*.example", "a..b", "spa ce.example"]);
    assert_eq!(l.entry_count(), 1);
    assert_eq!(l.skipped().len(), 3, "{:?}", l.skipped());
    assert!(l.skipped().iter().all(|s| s.contains("not a host name")), "{:?}", l.skipped());
}

// --- cidr -------------------------------------------------------------------------------------

#[test]
fn cidr_v4_boundaries() {
    let l = list("cidr", &["ip-src", "ip-dst"], &["192.0.2.0/24", "198.51.100.7", "203.0.113.64/26"]);
    assert!(l.matches(K::Ipv4, "192.0.2.0"));
    assert!(l.matches(K::Ipv4, "192.0.2.255"));
    assert!(!l.matches(K::Ipv4, "192.0.1.255"));
    assert!(!l.matches(K::Ipv4, "192.0.3.0"));
    assert!(l.matches(K::Ipv4, "198.51.100.7"));
    assert!(!l.matches(K::Ipv4, "198.51.100.8"));
    assert!(!l.matches(K::Ipv4, "198.51.100.6"));
    assert!(!l.matches(K::Ipv4, "203.0.113.63"));
    assert!(l.matches(K::Ipv4, "203.0.113.64"));
    assert!(l.matches(K::Ipv4, "203.0.113.127"));
    assert!(!l.matches(K::Ipv4, "203.0.113.128"));
    assert!(!l.matches(K::Ipv6, "2001:db8::1"));
}

#[test]
fn cidr_v6_boundaries_and_mapped_v4() {
    let l = list("cidr", &["ip-dst", "url"], &["2001:db8:abcd::/48", "2606:4700:4700::1111", "8.8.8.8/32"]);
    assert!(l.matches(K::Ipv6, "2001:db8:abcd::"));
    assert!(l.matches(K::Ipv6, "2001:db8:abcd:ffff:ffff:ffff:ffff:ffff"));
    assert!(!l.matches(K::Ipv6, "2001:db8:abcc:ffff:ffff:ffff:ffff:ffff"));
    assert!(!l.matches(K::Ipv6, "2001:db8:abce::"));
    assert!(l.matches(K::Ipv6, "2606:4700:4700::1111"));
    assert!(!l.matches(K::Ipv6, "2606:4700:4700::1112"));
    assert!(l.matches(K::Ipv6, "::ffff:8.8.8.8"));
    assert!(l.matches(K::Url, "http://8.8.8.8/dns-query"));
    assert!(l.matches(K::Url, "https://[2606:4700:4700::1111]/"));
    assert!(!l.matches(K::Url, "https://dns.google/"));
}

#[test]
fn cidr_whole_spaces_and_bad_entries() {
    let l = list("cidr", &[], &["0.0.0.0/0", "::/0", "10.0.0.0/33", "300.1.1.1", "fe80::/129", "dns.google"]);
    assert_eq!(l.entry_count(), 2);
    assert_eq!(l.skipped().len(), 4, "{:?}", l.skipped());
    assert!(l.matches(K::Ipv4, "255.255.255.255") && l.matches(K::Ipv4, "0.0.0.0"));
    assert!(l.matches(K::Ipv6, "ffff::1"));
    assert!(!l.matches(K::Domain, "example.com"));
}

#[test]
fn cidr_host_bits_are_ignored() {
    // MISP's CidrTool would never match `10.1.2.3/8`; dragnet reads it as 10.0.0.0/8.
    let l = list("cidr", &[], &["10.1.2.3/8"]);
    assert!(l.matches(K::Ipv4, "10.200.0.1"));
    assert!(!l.matches(K::Ipv4, "11.0.0.0"));
}

// --- regex ------------------------------------------------------------------------------------

#[test]
fn regex_with_delimiters_and_flags() {
    let l = list(
        "regex",
        &["url", "domain", "email"],
        &[r"/^https?:\/\/[^\/]+\.ngrok(-free)?\.app\//i", "#^support-\\d+@#", "{^XN--}i", "/^a.b$/s"],
    );
    assert!(l.skipped().is_empty(), "{:?}", l.skipped());
    assert!(l.matches(K::Url, "https://ab12.ngrok-free.app/login"));
    assert!(l.matches(K::Url, "HTTP://X.NGROK.APP/"), "i flag");
    assert!(!l.matches(K::Url, "https://ngrok.app.evil.net/"));
    assert!(l.matches(K::Email, "support-42@example.com"));
    assert!(!l.matches(K::Email, "support-x@example.com"));
    assert!(l.matches(K::Domain, "xn--pypal-4ve.com"));
    assert!(l.matches(K::Domain, "a\nb"), "s flag lets . match a newline");
    assert!(!l.matches(K::Phone, "+18888391214"), "phone is not in matching_attributes");
}

#[test]
fn regex_extended_and_multiline_flags() {
    let l = list("regex", &[], &["/ ^ foo \\d+ $ # trailing comment\n/x", "/^bar$/m", "/baz/A"]);
    assert!(l.skipped().is_empty(), "{:?}", l.skipped());
    assert!(l.matches(K::Domain, "foo42"));
    assert!(l.matches(K::Domain, "x\nbar\ny"));
    assert!(l.matches(K::Domain, "bazooka"));
    assert!(!l.matches(K::Domain, "abaz"), "A anchors at the start");
}

#[test]
fn bad_regex_entries_are_skipped_and_reported() {
    let l = list("regex", &[], &["/(?<=paypal)\\.com/", "/foo/e", "/ok/", "/(unclosed/", "//"]);
    assert_eq!(l.entry_count(), 1);
    let skipped = l.skipped();
    assert_eq!(skipped.len(), 4, "{skipped:?}");
    assert!(skipped[0].contains("look-around"), "{skipped:?}");
    assert!(skipped[1].contains("unsupported regex flag 'e'"), "{skipped:?}");
    assert!(skipped[2].contains("regex does not compile"), "{skipped:?}");
    assert!(skipped[3].contains("empty pattern"), "{skipped:?}");
    assert!(l.matches(K::Domain, "ok.example"));
    assert!(!l.matches(K::Domain, "paypal.com"));
}

// --- sets of lists ----------------------------------------------------------------------------

#[test]
fn hits_are_names_in_list_order_and_push_replaces_by_name() {
    let mut lists = WarningLists::empty();
    assert!(lists.is_empty());
    lists.push(
        WarningList::from_json(r#"{"name": "b", "type": "hostname", "list": ["example.com"]}"#).unwrap(),
    );
    lists.push(WarningList::from_json(r#"{"name": "a", "type": "substring", "list": ["ample.c"]}"#).unwrap());
    assert_eq!(lists.hits(K::Domain, "www.example.com"), ["b", "a"]);
    assert!(lists.is_listed(K::Domain, "www.example.com"));
    assert!(lists.hits(K::Domain, "example.org").is_empty());

    // Same name: replaced in place, so the order is kept.
    lists
        .push(WarningList::from_json(r#"{"name": "b", "type": "hostname", "list": ["other.net"]}"#).unwrap());
    assert_eq!(lists.len(), 2);
    assert_eq!(lists.hits(K::Domain, "www.example.com"), ["a"]);
    assert_eq!(lists.hits(K::Domain, "other.net"), ["b"]);
    assert_eq!(lists.lists().map(|l| l.name.as_str()).collect::<Vec<_>>(), ["b", "a"]);
}

// --- built-in lists ---------------------------------------------------------------------------

const BUILTIN_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/warninglists");

#[test]
fn builtin_loads_every_embedded_list_without_skipped_entries() {
    let lists = WarningLists::builtin();
    let files = std::fs::read_dir(BUILTIN_DIR)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "json"));
    assert_eq!(lists.len(), files.count(), "every file in warninglists/ is embedded");
    for l in lists.lists() {
        assert!(l.name.starts_with("dragnet: "), "{}", l.name);
        assert!(l.description.starts_with("dragnet's built-in default"), "{}", l.name);
        assert!(l.skipped().is_empty(), "{}: {:?}", l.name, l.skipped());
        assert!(l.entry_count() > 10, "{}", l.name);
    }
    let names: Vec<_> = lists.lists().map(|l| l.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "dragnet: popular legitimate domains",
            "dragnet: public DNS resolvers",
            "dragnet: URL shorteners",
            "dragnet: remote-access vendors",
            "dragnet: CDN and shared hosting ranges"
        ]
    );
}

#[test]
fn builtin_files_are_valid_misp_warninglists() {
    // The misp-warninglists schema: these six fields only, all but matching_attributes
    // required, version an integer, list entries unique.
    for entry in std::fs::read_dir(BUILTIN_DIR).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let obj = value.as_object().unwrap();
        let allowed = ["name", "version", "description", "matching_attributes", "type", "list"];
        for key in obj.keys() {
            assert!(allowed.contains(&key.as_str()), "{}: extra field {key}", path.display());
        }
        for key in ["name", "version", "description", "type", "list"] {
            assert!(obj.contains_key(key), "{}: missing {key}", path.display());
        }
        assert!(obj["version"].is_u64());
        let entries: Vec<&str> =
            obj["list"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        let mut sorted = entries.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(entries, sorted, "{}: entries sorted and unique", path.display());
    }
}

#[test]
fn builtin_hostname_entries_are_registrable_domains() {
    // A private public suffix (blogspot.com, github.io) would flag every user site under it;
    // only government suffixes, which only governments can register under, are allowed.
    let government_suffixes = ["gov.uk", "police.uk", "gc.ca", "gov.au"];
    for l in WarningLists::builtin().lists().filter(|l| l.list_type == ListType::Hostname) {
        let json = std::fs::read_dir(BUILTIN_DIR)
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .find(|text| text.contains(&format!("\"name\": \"{}\"", l.name)))
            .unwrap();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        for entry in value["list"].as_array().unwrap() {
            let entry = entry.as_str().unwrap();
            let registrable = model::observable::registrable_domain(entry);
            if government_suffixes.contains(&entry) {
                assert_eq!(registrable, None, "{entry} is a public suffix");
            } else {
                assert_eq!(registrable.as_deref(), Some(entry), "{}: {entry}", l.name);
            }
        }
    }
}

#[test]
fn builtin_flags_noise_but_not_scam_specific_values() {
    let lists = WarningLists::builtin();
    let popular = ["dragnet: popular legitimate domains"];
    assert_eq!(lists.hits(K::Domain, "paypal.com"), popular);
    assert_eq!(lists.hits(K::Domain, "login.paypal.com"), popular);
    assert_eq!(lists.hits(K::Domain, "www.hmrc.gov.uk"), popular);
    assert!(lists.hits(K::Domain, "paypal.com.secure-login.net").is_empty());
    assert!(lists.hits(K::Domain, "paypa1.com").is_empty());
    // A scammer's mailbox at a webmail provider and a link on a platform stay signals.
    assert!(lists.hits(K::Email, "refund.desk@gmail.com").is_empty());
    assert!(lists.hits(K::Url, "https://docs.google.com/forms/d/e/1FAIpQLSf/viewform").is_empty());

    assert_eq!(lists.hits(K::Domain, "bit.ly"), ["dragnet: URL shorteners"]);
    assert!(lists.hits(K::Url, "https://bit.ly/3xYzAbc").is_empty());

    let dns = ["dragnet: public DNS resolvers"];
    for ip in ["8.8.8.8", "1.1.1.1", "9.9.9.9", "208.67.222.222", "94.140.14.14", "185.228.168.9", "4.2.2.2"]
    {
        assert_eq!(lists.hits(K::Ipv4, ip), dns, "{ip}");
    }
    for ip in ["2001:4860:4860::8888", "2620:fe::fe", "2a10:50c0::ad1:ff"] {
        assert_eq!(lists.hits(K::Ipv6, ip), dns, "{ip}");
    }
    assert!(lists.hits(K::Ipv4, "8.8.8.9").is_empty());

    // Cloudflare's resolver is also in its CDN range; sites behind CDNs share addresses.
    let cdn = "dragnet: CDN and shared hosting ranges";
    assert_eq!(lists.hits(K::Ipv6, "2606:4700:4700::1111"), [dns[0], cdn]);
    for ip in ["104.21.3.4", "172.67.136.242", "185.199.108.153"] {
        assert_eq!(lists.hits(K::Ipv4, ip), [cdn], "{ip}");
    }
    assert!(lists.hits(K::Ipv4, "103.216.158.39").is_empty());

    let remote = ["dragnet: remote-access vendors"];
    assert_eq!(lists.hits(K::Domain, "anydesk.com"), remote);
    assert_eq!(lists.hits(K::Url, "https://download.anydesk.com/AnyDesk.exe"), remote);
    assert_eq!(lists.hits(K::Domain, "get.teamviewer.com"), remote);
    assert!(lists.hits(K::Domain, "anydesk-support.com").is_empty());
}
