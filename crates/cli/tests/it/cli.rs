//! The `dragnet` binary end to end, on temporary data directories.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    pub(crate) fn new() -> Self {
        let p = std::env::temp_dir().join(format!("dragnet-cli-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(crate) fn dragnet(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dragnet"));
    cmd.current_dir(cwd).args(args);
    for var in ["DRAGNET_DATA", "DRAGNET_DATABASE_URL", "DRAGNET_CONFIG", "DRAGNET_SERVER", "DRAGNET_TOKEN"] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    cmd.output().expect("dragnet runs")
}

pub(crate) fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "dragnet failed: {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn admin_ingest_lookup_and_check_on_a_data_dir() {
    let tmp = TempDir::new();
    let d = tmp.0.join("data");
    let data = d.to_str().unwrap();
    ok(dragnet(&tmp.0, &["admin", "org", "create", "Hotline", "--data", data, "--operator"], &[]));
    ok(dragnet(&tmp.0, &["admin", "org", "create", "Bank", "--data", data], &[]));
    ok(dragnet(
        &tmp.0,
        &["admin", "community", "create", "Fraud", "--member", "Hotline", "--member", "Bank", "--data", data],
        &[],
    ));
    let out = ok(dragnet(
        &tmp.0,
        &["admin", "token", "create", "--org", "Bank", "--role", "reader", "--data", data],
        &[],
    ));
    let last = out.lines().last().unwrap();
    assert!(last.starts_with("dn_") && last.len() == 67 && !last.contains(' '), "token line: {last:?}");
    let listed = ok(dragnet(&tmp.0, &["admin", "token", "list", "--data", data], &[]));
    assert!(listed.contains("Bank") && !listed.contains(last), "token list must not show secrets");

    let jsonl = tmp.0.join("reports.jsonl");
    std::fs::write(
        &jsonl,
        [
            r#"{"kind":"scam","title":"pop-up","tlp":"GREEN","observables":[{"kind":"phone","value":"+1 888 839 1214","role":"scammer-phone"}]}"#,
            r#"{"kind":"scam","title":"broken"#,
            r#"{"kind":"scam","title":"mule","tlp":"AMBER","audience":{"communities":["Fraud"]},"observables":[{"kind":"iban","value":"GB82 WEST 1234 5698 7654 32"}]}"#,
            r#"{"kind":"scam","title":"bad iban","tlp":"GREEN","observables":[{"kind":"iban","value":"GB82 WEST 1234 5698 7654 33"}]}"#,
            "",
            r#"{"kind":"intel","title":"red","tlp":"RED","observables":[{"kind":"phone","value":"+18888391214"}]}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let out = dragnet(&tmp.0, &["ingest", "--org", "Hotline", "--data", data, jsonl.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(1), "some lines were rejected");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("3 accepted, 2 rejected"), "{stdout}");
    assert!(stderr.contains("line 2:") && stderr.contains("line 4:"), "{stderr}");
    assert!(stderr.contains("observables[0].value"), "{stderr}");

    // The author sees both phone reports; the bank sees the GREEN one only (RED is hidden).
    let own = ok(dragnet(
        &tmp.0,
        &[
            "lookup",
            "phone",
            "(888) 839-1214",
            "--org",
            "Hotline",
            "--data",
            data,
            "--default-region",
            "US",
            "--json",
        ],
        &[],
    ));
    let own: serde_json::Value = serde_json::from_str(&own).unwrap();
    assert_eq!(own["canonical"], "+18888391214");
    assert_eq!(own["count"], 2);
    let bank = ok(dragnet(
        &tmp.0,
        &["lookup", "auto", "+1 888 839 1214", "--org", "Bank", "--data", data, "--json"],
        &[],
    ));
    let bank: serde_json::Value = serde_json::from_str(&bank).unwrap();
    assert_eq!(bank["count"], 1);

    let selectors = tmp.0.join("selectors.txt");
    std::fs::write(&selectors, "+1 888 839 1214\niban\tGB82WEST12345698765432\nexample.org\n").unwrap();
    let out =
        ok(dragnet(&tmp.0, &["check", selectors.to_str().unwrap(), "--org", "Bank", "--data", data], &[]));
    let counts: Vec<&str> = out.lines().map(|l| l.rsplit('\t').next().unwrap()).collect();
    assert_eq!(counts, ["1", "1", "0"], "{out}");
}

#[test]
fn settings_come_from_file_then_env_then_flags() {
    let tmp = TempDir::new();
    for name in ["a", "b", "c"] {
        let dir = tmp.0.join(name);
        ok(dragnet(
            &tmp.0,
            &["admin", "org", "create", &format!("org-{name}"), "--data", dir.to_str().unwrap()],
            &[],
        ));
    }
    std::fs::write(tmp.0.join("dragnet.toml"), format!("data = {:?}\n", tmp.0.join("a").to_str().unwrap()))
        .unwrap();
    let b = tmp.0.join("b");
    let c = tmp.0.join("c");
    let from_file = ok(dragnet(&tmp.0, &["admin", "org", "list"], &[]));
    assert!(from_file.contains("org-a"), "{from_file}");
    let from_env = ok(dragnet(&tmp.0, &["admin", "org", "list"], &[("DRAGNET_DATA", b.to_str().unwrap())]));
    assert!(from_env.contains("org-b"), "{from_env}");
    let from_flag = ok(dragnet(
        &tmp.0,
        &["admin", "org", "list", "--data", c.to_str().unwrap()],
        &[("DRAGNET_DATA", b.to_str().unwrap())],
    ));
    assert!(from_flag.contains("org-c"), "{from_flag}");
    let bad = dragnet(&tmp.0, &["--config", "missing.toml", "admin", "org", "list"], &[]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("missing.toml"));
}

#[test]
fn demo_builds_a_dataset_and_refuses_foreign_directories() {
    let tmp = TempDir::new();
    let dir = tmp.0.join("demo");
    let out = ok(dragnet(
        &tmp.0,
        &["demo", "--data", dir.to_str().unwrap(), "--reports", "600", "--no-serve"],
        &[],
    ));
    let tokens: Vec<&str> = out.split_whitespace().filter(|w| w.starts_with("dn_")).collect();
    assert!(tokens.len() >= 7, "one token per organisation: {out}");

    // Link analysis on it: the police's networks, a path between two values of the largest,
    // and that network exported for Gephi.
    let data = dir.to_str().unwrap();
    let police = "Metropolitan Police Cyber Crime Unit";
    let list = ok(dragnet(&tmp.0, &["graph", "networks", "--org", police, "--data", data, "--json"], &[]));
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert!(list["total"].as_u64().unwrap() >= 1, "{list}");
    let largest = &list["networks"][0];
    let top: Vec<&str> =
        largest["top"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert!(top.len() >= 2, "{largest}");
    let path = ok(dragnet(&tmp.0, &["graph", "path", top[0], top[1], "--org", police, "--data", data], &[]));
    assert!(path.starts_with("path of length "), "{path}");
    assert!(path.contains(top[0]) && path.contains(top[1]), "{path}");
    let gexf = tmp.0.join("network.gexf");
    let id = largest["id"].as_str().unwrap();
    let args = ["graph", "network", id, "--org", police, "--data", data, "--format", "gexf", "-o"];
    ok(dragnet(&tmp.0, &[&args[..], &[gexf.to_str().unwrap()]].concat(), &[]));
    let xml = std::fs::read_to_string(&gexf).unwrap();
    assert!(
        xml.contains("<gexf xmlns=\"http://www.gexf.net/1.2draft\"") && xml.contains(&format!("report:{id}"))
    );
    // The same network as a STIX 2.1 bundle: a grouping of its reports.
    let stix =
        ok(dragnet(&tmp.0, &["export", "stix", "--network", id, "--org", police, "--data", data], &[]));
    let stix: serde_json::Value = serde_json::from_str(&stix).unwrap();
    let objects = stix["objects"].as_array().unwrap();
    let count = |ty: &str| objects.iter().filter(|o| o["type"] == ty).count();
    assert_eq!(stix["type"], "bundle");
    assert_eq!(count("grouping"), 1);
    assert_eq!(count("report") as u64, largest["reports"].as_u64().unwrap(), "one report per network report");
    let human =
        ok(dragnet(&tmp.0, &["graph", "networks", "--org", police, "--data", data, "--limit", "1"], &[]));
    assert!(human.contains(&format!("{id}  {} reports", largest["reports"])), "{human}");
    // Running again recreates the demo directory.
    ok(dragnet(&tmp.0, &["demo", "--data", dir.to_str().unwrap(), "--reports", "600", "--no-serve"], &[]));
    let foreign = tmp.0.join("foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("precious.txt"), "keep me").unwrap();
    let refused = dragnet(&tmp.0, &["demo", "--data", foreign.to_str().unwrap(), "--no-serve"], &[]);
    assert!(!refused.status.success());
    assert!(foreign.join("precious.txt").exists());
}

#[test]
fn extract_prints_findings_as_a_table_or_json_lines() {
    let tmp = TempDir::new();
    let text = "A pop-up said call Microsoft at 1 - { 8 8 8 } - ( 8 3 9 ) - ( 1 2 1 4 ), then \
                hxxps://secure-refund[.]help/pay; Google said 8.8.8.8; invoice.pdf attached.\n";
    std::fs::write(tmp.0.join("note.txt"), text).unwrap();

    let table = ok(dragnet(&tmp.0, &["extract", "note.txt", "--default-region", "US"], &[]));
    assert!(table.contains("+18888391214"), "{table}");
    assert!(table.contains("https://secure-refund.help/pay"), "{table}");
    assert!(table.contains("dragnet: public DNS resolvers"), "8.8.8.8 is flagged: {table}");
    assert!(table.contains("3 findings, 2 defanged, 1 on a warning list"), "{table}");
    assert!(!table.contains("invoice"), "{table}");

    let json = ok(dragnet(&tmp.0, &["extract", "note.txt", "--json", "--kind", "url,ipv4"], &[]));
    let lines: Vec<serde_json::Value> = json.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2, "{json}");
    assert_eq!(lines[0]["kind"], "url");
    assert_eq!(lines[0]["raw"], "hxxps://secure-refund[.]help/pay");
    assert_eq!(lines[0]["defanged"], true);
    let (s, e) = (lines[0]["start"].as_u64().unwrap() as usize, lines[0]["end"].as_u64().unwrap() as usize);
    assert_eq!(&text[s..e], "hxxps://secure-refund[.]help/pay");

    // A directory of MISP warning lists adds to the built-in ones.
    let lists = tmp.0.join("lists/ours");
    std::fs::create_dir_all(&lists).unwrap();
    std::fs::write(
        lists.join("list.json"),
        r#"{"name": "our sinkholes", "version": 1, "description": "test", "type": "hostname",
            "matching_attributes": ["url", "domain"], "list": ["secure-refund.help"]}"#,
    )
    .unwrap();
    std::fs::write(tmp.0.join("lists/broken.json"), "{").unwrap();
    let out = dragnet(&tmp.0, &["extract", "note.txt", "--json", "--warninglists", "lists"], &[]);
    let json = ok(out);
    assert!(json.contains("our sinkholes"), "{json}");
    let missing = dragnet(&tmp.0, &["extract", "note.txt", "--warninglists", "nope"], &[]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nope"));
}

fn pdq_testdata(file: &str) -> String {
    let p = shared().join("testdata/pdq").join(file);
    assert!(p.exists(), "shared pdq test data missing: {}", p.display());
    p.to_str().unwrap().to_string()
}

#[test]
fn hash_prints_like_the_reference_and_match_finds_shared_lists() {
    let tmp = TempDir::new();
    let d = tmp.0.join("data");
    let data = d.to_str().unwrap();
    let orig = pdq_testdata("bridge-mods/aaa-orig.jpg");
    let rotated = pdq_testdata("dih/bridge-2-rotate-90.jpg");

    // `hash,quality,file`, as the reference prints it; --cli512 is the C++ tool's convention.
    let out = ok(dragnet(&tmp.0, &["hash", &orig], &[]));
    assert_eq!(out, format!("f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22,100,{orig}\n"));
    let out = ok(dragnet(&tmp.0, &["hash", "--cli512", &orig], &[]));
    assert!(
        out.starts_with("d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22,100,"),
        "{out}"
    );
    let out = ok(dragnet(&tmp.0, &["hash", "--dihedral", &orig], &[]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 8);
    assert!(lines[1].ends_with(",rot90") && lines[7].ends_with(",flip_minus1"));
    // A file that is not an image: an error naming it, the others still hashed, exit 1.
    let not_image = tmp.0.join("notes.txt");
    std::fs::write(&not_image, "hello").unwrap();
    let out = dragnet(&tmp.0, &["hash", not_image.to_str().unwrap(), &orig], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("notes.txt: unsupported image format"));

    // A hotline shares a list with the platform; the platform matches a rotated copy.
    ok(dragnet(&tmp.0, &["admin", "org", "create", "Hotline", "--data", data], &[]));
    ok(dragnet(&tmp.0, &["admin", "org", "create", "Platform", "--data", data], &[]));
    ok(dragnet(&tmp.0, &["admin", "org", "create", "Stranger", "--data", data], &[]));
    ok(dragnet(
        &tmp.0,
        &[
            "admin",
            "hashset",
            "create",
            "known",
            "--org",
            "Hotline",
            "--category",
            "csam",
            "--tlp",
            "AMBER",
            "--share-org",
            "Platform",
            "--data",
            data,
        ],
        &[],
    ));
    let list = tmp.0.join("list.csv");
    std::fs::write(&list, ok(dragnet(&tmp.0, &["hash", &orig], &[])) + "zz,1,broken\n").unwrap();
    let out = ok(dragnet(
        &tmp.0,
        &["admin", "hashset", "import", "known", list.to_str().unwrap(), "--org", "Hotline", "--data", data],
        &[],
    ));
    assert!(out.contains("1 added") && out.contains("1 line(s) rejected"), "{out}");

    let queries = tmp.0.join("queries.csv");
    std::fs::write(&queries, ok(dragnet(&tmp.0, &["hash", &rotated], &[]))).unwrap();
    let q = queries.to_str().unwrap();
    // By hash, the rotated copy is far from the original; by image (all eight transforms) it matches.
    let out = ok(dragnet(&tmp.0, &["match", "--hashes", q, "--org", "Platform", "--data", data], &[]));
    assert_eq!(out, "");
    let out = ok(dragnet(&tmp.0, &["match", &rotated, "--org", "Platform", "--data", data], &[]));
    assert!(out.contains("known (Hotline, csam, AMBER)") && out.contains("(rot"), "{out}");
    // Not shared with the stranger: nothing.
    let out = ok(dragnet(&tmp.0, &["match", &rotated, "--org", "Stranger", "--data", data], &[]));
    assert_eq!(out, "");
}

#[test]
fn import_scams_keeps_good_rows_and_names_every_bad_one() {
    let tmp = TempDir::new();
    let d = tmp.0.join("data");
    let data = d.to_str().unwrap();
    ok(dragnet(&tmp.0, &["admin", "org", "create", "Hotline", "--data", data], &[]));
    let mut csv = String::from(
        "date,scam_type,age,country,amount,currency,payment_method,phones,narrative,victim_name\n",
    );
    let mut bad_lines = Vec::new();
    let mut line = 1;
    for i in 0..400 {
        line += 1;
        let row = match i % 100 {
            7 => {
                bad_lines.push(line);
                format!("2025-03-01,ponzi,70,US,10,USD,wire,,x,Victim {i}\n")
            }
            42 => {
                bad_lines.push(line);
                format!("2025-03-01,romance,70,US,12.5.1,USD,wire,,x,Victim {i}\n")
            }
            55 => {
                bad_lines.push(line);
                "2025-03-01,romance,70\n".to_string()
            }
            _ => format!(
                "2025-03-{:02},tech-support,{},US,{}.50,USD,gift-card,+1 888 839 {:04},\"they said \"\"pay\"\"\nnow\",Victim {i}\n",
                1 + i % 28,
                60 + i % 30,
                100 + i,
                1000 + i % 7
            ),
        };
        // A quoted narrative spans two lines.
        line += row.matches('\n').count() - 1;
        csv.push_str(&row);
    }
    let file = tmp.0.join("scams.csv");
    std::fs::write(&file, csv).unwrap();
    let out = dragnet(
        &tmp.0,
        &["import", "scams", file.to_str().unwrap(), "--org", "Hotline", "--data", data],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "bad rows make the exit code 1");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("388 scam reports stored, 12 rows rejected"), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let reported: Vec<u64> =
        stderr.lines().filter_map(|l| l.strip_prefix("line ")?.split(':').next()?.parse().ok()).collect();
    assert_eq!(reported, bad_lines.iter().map(|&l| l as u64).collect::<Vec<_>>(), "{stderr}");
    assert!(stderr.contains("column scam_type: unknown value \"ponzi\""), "{stderr}");
    assert!(stderr.contains("column amount: "), "{stderr}");
    assert!(stderr.contains("3 fields where the header has 10"), "{stderr}");
    // The stored reports correlate on the scammer's phone.
    let out =
        ok(dragnet(&tmp.0, &["lookup", "phone", "+18888391003", "--org", "Hotline", "--data", data], &[]));
    assert!(out.contains("seen in 56 visible report(s)"), "{out}");
}

#[test]
fn import_stix_and_medallion() {
    let tmp = TempDir::new();
    let data = tmp.0.join("data");
    let data = data.to_str().unwrap();
    ok(dragnet(&tmp.0, &["admin", "org", "create", "CSIRT", "--data", data], &[]));
    let shared = shared().join("testdata/stix");
    let apt1 = shared.join("oasis-examples/threat-reports/apt1.json");
    let bad = tmp.0.join("bad.json");
    std::fs::write(
        &bad,
        r#"{"objects": [{"type": "x-acme", "id": "x-acme--ff26c055-6336-5bc5-b98d-13d6226742dd"}, {"type": "indicator", "id": "indicator--ff26c055-6336-4bc5-b98d-13d6226742dd", "spec_version": "2.1", "created": "2017-13-01T00:00:00Z", "modified": "2017-01-01T00:00:00Z"}]}"#,
    )
    .unwrap();
    let args =
        ["import", "stix", apt1.to_str().unwrap(), bad.to_str().unwrap(), "--org", "CSIRT", "--data", data];
    let out = dragnet(&tmp.0, &args, &[]);
    assert_eq!(out.status.code(), Some(1), "a rejected object fails the run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("77 object versions stored, 0 already there, 1 rejected"), "{stdout}");
    assert!(
        stderr.contains("bad.json: objects[1].created: invalid timestamp \"2017-13-01T00:00:00Z\""),
        "{stderr}"
    );
    let again = ok(dragnet(
        &tmp.0,
        &["import", "stix", apt1.to_str().unwrap(), "--org", "CSIRT", "--data", data],
        &[],
    ));
    assert!(again.contains("0 object versions stored, 76 already there"), "{again}");
    let medallion = shared.join("taxii/medallion-default_data.json");
    let m = ["import", "medallion", medallion.to_str().unwrap(), "--org", "CSIRT", "--data", data];
    let out = ok(dragnet(&tmp.0, &m, &[]));
    assert!(out.contains("3 api roots, 5 collections, 8 object versions, 2 status resources"), "{out}");
    let second = dragnet(&tmp.0, &m, &[]);
    assert!(!second.status.success());
    assert!(String::from_utf8_lossy(&second.stderr).contains("imported before"));
}

/// A loopback address nothing listens on (yet).
fn free_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

/// Creates the organisation "Hotline" in `data` and returns an analyst token of it.
fn hotline_analyst(tmp: &TempDir, data: &str) -> String {
    ok(dragnet(&tmp.0, &["admin", "org", "create", "Hotline", "--data", data], &[]));
    let out = ok(dragnet(
        &tmp.0,
        &["admin", "token", "create", "--org", "Hotline", "--role", "analyst", "--data", data],
        &[],
    ));
    out.lines().last().unwrap().to_string()
}

/// A `dragnet serve` child process on `addr`, its log drained by a thread.
struct Server(std::process::Child);

impl Server {
    fn start(data: &str, addr: &str) -> Server {
        Server::start_with(data, addr, &[])
    }

    fn start_with(data: &str, addr: &str, extra: &[&str]) -> Server {
        use std::io::BufRead;
        let mut child = Command::new(env!("CARGO_BIN_EXE_dragnet"))
            .args(["serve", "--data", data, "--listen", addr])
            .args(extra)
            .env_remove("DRAGNET_CONFIG")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("serve starts");
        let stderr = child.stderr.take().unwrap();
        let (ready, listening) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("is listening on") {
                    let _ = ready.send(());
                }
            }
        });
        listening.recv_timeout(std::time::Duration::from_secs(60)).expect("the server listens");
        Server(child)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Submits a report over plain HTTP/1.1.
fn submit(addr: &str, token: &str, title: &str) {
    use std::io::{Read, Write};
    let body = format!(
        r#"{{"kind":"intel","title":"{title}","tlp":"GREEN","labels":["cli"],"observables":[{{"kind":"domain","value":"{title}-tail.net"}}]}}"#
    );
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST /api/v1/reports HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
}

#[test]
fn tail_follows_the_stream_and_resumes_after_the_server_restarts() {
    use std::io::BufRead;
    let tmp = TempDir::new();
    let d = tmp.0.join("data");
    let data = d.to_str().unwrap();
    let token = hotline_analyst(&tmp, data);
    let addr = free_addr();
    let url = format!("http://{addr}");
    let server = Server::start(data, &addr);
    submit(&addr, &token, "r1");
    submit(&addr, &token, "r2");

    // Human lines, from the first event.
    let out = ok(dragnet(
        &tmp.0,
        &[
            "tail",
            "--server",
            &url,
            "--token",
            &token,
            "--after",
            "0",
            "--count",
            "2",
            "--type",
            "report.created",
        ],
        &[],
    ));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].contains("report.created") && lines[0].contains("\"r1\"") && lines[0].contains("domain"),
        "{out}"
    );
    assert!(lines[1].contains("\"r2\""), "{out}");

    // JSON lines, following across a restart of the server.
    let mut tail = Command::new(env!("CARGO_BIN_EXE_dragnet"))
        .args([
            "tail", "--server", &url, "--token", &token, "--after", "0", "--count", "4", "--json", "--retry",
            "1",
        ])
        .args(["--type", "report.created", "--label", "cli"])
        .env_remove("DRAGNET_CONFIG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = tail.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let wait = std::time::Duration::from_secs(60);
    let mut titles = Vec::new();
    for _ in 0..2 {
        let v: serde_json::Value = serde_json::from_str(&rx.recv_timeout(wait).expect("an event")).unwrap();
        titles.push(v["data"]["title"].as_str().unwrap().to_string());
    }
    drop(server);
    // Written while tail is disconnected, and after the server is back.
    let server = Server::start(data, &addr);
    submit(&addr, &token, "r3");
    submit(&addr, &token, "r4");
    for _ in 0..2 {
        let v: serde_json::Value = serde_json::from_str(&rx.recv_timeout(wait).expect("an event")).unwrap();
        titles.push(v["data"]["title"].as_str().unwrap().to_string());
    }
    assert_eq!(titles, ["r1", "r2", "r3", "r4"]);
    let status = tail.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut tail.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("resuming"), "tail said it reconnected: {stderr}");
    drop(server);
}

#[test]
fn hit_no_hit_on_a_data_dir() {
    let tmp = TempDir::new();
    let d = tmp.0.join("data");
    let data = d.to_str().unwrap();
    for org in ["Owner", "Asker"] {
        ok(dragnet(&tmp.0, &["admin", "org", "create", org, "--data", data], &[]));
    }
    let jsonl = tmp.0.join("reports.jsonl");
    std::fs::write(
        &jsonl,
        [
            r#"{"kind":"scam","title":"mule","tlp":"AMBER","observables":[{"kind":"iban","value":"GB82 WEST 1234 5698 7654 32"}]}"#,
            r#"{"kind":"scam","title":"kept back","tlp":"AMBER","discoverable":false,"observables":[{"kind":"phone","value":"+1 888 839 1214"}]}"#,
            r#"{"kind":"intel","title":"red","tlp":"RED","observables":[{"kind":"phone","value":"+1 888 839 1215"}]}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let out = ok(dragnet(
        &tmp.0,
        &["ingest", "--org", "Owner", "--discoverable", "--data", data, jsonl.to_str().unwrap()],
        &[],
    ));
    assert!(out.contains("3 accepted, 0 rejected"), "{out}");

    // Only the line that did not say otherwise, and is not RED, is discoverable.
    let selectors = tmp.0.join("selectors.txt");
    std::fs::write(&selectors, "GB82WEST12345698765432\n+18888391214\n+18888391215\n").unwrap();
    let out =
        ok(dragnet(&tmp.0, &["check", selectors.to_str().unwrap(), "--org", "Asker", "--data", data], &[]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].ends_with("\t0\theld-elsewhere"), "{out}");
    assert!(lines[1].ends_with("\t0") && lines[2].ends_with("\t0"), "{out}");
    let lookup = ok(dragnet(
        &tmp.0,
        &["lookup", "iban", "GB82 WEST 1234 5698 7654 32", "--org", "Asker", "--data", data],
        &[],
    ));
    assert!(lookup.contains("held elsewhere"), "{lookup}");

    // Ask, see it as the owner, grant, read.
    let asked = ok(dragnet(
        &tmp.0,
        &["access-requests", "request", "iban", "GB82WEST12345698765432", "--org", "Asker", "--data", data],
        &[],
    ));
    assert!(asked.contains(": pending (iban GB82WEST12345698765432)"), "{asked}");
    let refused = dragnet(
        &tmp.0,
        &["access-requests", "request", "phone", "+18888391214", "--org", "Asker", "--data", data],
        &[],
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not found"), "{refused:?}");
    let incoming = ok(dragnet(&tmp.0, &["access-requests", "list", "--org", "Owner", "--data", data], &[]));
    let fields: Vec<&str> = incoming.trim().split('\t').collect();
    assert_eq!(fields.len(), 5, "{incoming}");
    assert_eq!((fields[1], fields[3], fields[4]), ("pending", "Asker", "iban:GB82WEST12345698765432"));
    let granted =
        ok(dragnet(&tmp.0, &["access-requests", "grant", fields[0], "--org", "Owner", "--data", data], &[]));
    assert!(granted.contains("Asker now reads 1 report(s)"), "{granted}");
    let outgoing = ok(dragnet(
        &tmp.0,
        &["access-requests", "list", "--outgoing", "--org", "Asker", "--data", data, "--json"],
        &[],
    ));
    let outgoing: serde_json::Value = serde_json::from_str(&outgoing).unwrap();
    assert_eq!(outgoing[0]["status"], "granted");
    let lookup = ok(dragnet(
        &tmp.0,
        &["lookup", "iban", "GB82WEST12345698765432", "--org", "Asker", "--data", data, "--json"],
        &[],
    ));
    let lookup: serde_json::Value = serde_json::from_str(&lookup).unwrap();
    assert_eq!(lookup["count"], 1);

    // The organisation setting: the phone report said no; it stays hidden and undiscoverable.
    ok(dragnet(&tmp.0, &["admin", "org", "discoverable", "Owner", "on", "--data", data], &[]));
    let out =
        ok(dragnet(&tmp.0, &["check", selectors.to_str().unwrap(), "--org", "Asker", "--data", data], &[]));
    assert!(!out.contains("held-elsewhere"), "{out}");
}

/// The shared test data: `shared/` beside the workspace, else `/tmp/shared` (which `.ci/run` links).
fn shared() -> std::path::PathBuf {
    let beside = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"));
    if beside.is_dir() { beside.to_path_buf() } else { std::path::PathBuf::from("/tmp/shared") }
}

#[test]
fn peers_are_added_checked_listed_pulled_and_removed() {
    let tmp = TempDir::new();
    let (a, b) = (tmp.0.join("a"), tmp.0.join("b"));
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    // A: a member that writes, and the peer organisation B pulls with.
    ok(dragnet(&tmp.0, &["admin", "org", "create", "Hotline", "--data", a], &[]));
    let out = ok(dragnet(&tmp.0, &["admin", "org", "create", "bravo", "--peer", "--data", a], &[]));
    assert!(out.contains("created peer organisation"), "{out}");
    let out = ok(dragnet(&tmp.0, &["admin", "org", "list", "--data", a], &[]));
    assert!(out.lines().any(|l| l.ends_with("bravo\t(peer)")), "{out}");
    let token = |data: &str, org: &str, role: &str| {
        let out = ok(dragnet(
            &tmp.0,
            &["admin", "token", "create", "--org", org, "--role", role, "--data", data],
            &[],
        ));
        out.lines().last().unwrap().to_string()
    };
    let writer = token(a, "Hotline", "analyst");
    let for_b = token(a, "bravo", "reader");
    let out = ok(dragnet(&tmp.0, &["admin", "instance", "--name", "alpha", "--data", a], &[]));
    assert!(out.trim_end().ends_with("\talpha"), "{out}");
    // B: the organisation that receives, named like A so that it is the default.
    ok(dragnet(&tmp.0, &["admin", "org", "create", "alpha", "--data", b], &[]));

    let addr = free_addr();
    let url = format!("http://{addr}");
    let server_a = Server::start(a, &addr);
    submit(&addr, &writer, "shared");

    // Loopback: refused unless allowed, before anything is sent.
    let refused = dragnet(&tmp.0, &["peer", "add", &url, "--token", &for_b, "--data", b], &[]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("loopback") && stderr.contains("--allow-private"), "{stderr}");
    // A wrong token: refused by the peer.
    let wrong =
        dragnet(&tmp.0, &["peer", "add", &url, "--token", "dn_0", "--allow-private", "--data", b], &[]);
    assert!(!wrong.status.success());
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("401"),
        "{}",
        String::from_utf8_lossy(&wrong.stderr)
    );
    let out =
        ok(dragnet(&tmp.0, &["peer", "add", &url, "--token", &for_b, "--allow-private", "--data", b], &[]));
    assert!(
        out.contains("dragnet instance \"alpha\"") && out.contains("imports authored by \"alpha\""),
        "{out}"
    );
    let out = ok(dragnet(&tmp.0, &["peer", "list", "--data", b], &[]));
    assert!(out.contains(&url) && out.contains("not pulled yet") && !out.contains(&for_b), "{out}");

    // B serving pulls A.
    let addr_b = free_addr();
    let server_b = Server::start(b, &addr_b);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let out =
            ok(dragnet(&tmp.0, &["lookup", "domain", "shared-tail.net", "--org", "alpha", "--data", b], &[]));
        if out.contains("seen in 1 visible report(s)") {
            let list = ok(dragnet(&tmp.0, &["peer", "list", "--json", "--data", b], &[]));
            let peers: serde_json::Value = serde_json::from_str(&list).unwrap();
            if peers[0]["imported"] == 1 {
                assert_eq!(peers[0]["remote_name"], "alpha");
                assert!(peers[0]["cursor"].is_string(), "{list}");
                break;
            }
        }
        assert!(std::time::Instant::now() < deadline, "B did not import A's report: {out}");
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    let list = ok(dragnet(&tmp.0, &["peer", "list", "--json", "--data", b], &[]));
    let id = serde_json::from_str::<serde_json::Value>(&list).unwrap()[0]["id"].as_str().unwrap().to_string();
    let out = ok(dragnet(&tmp.0, &["peer", "remove", &id, "--data", b], &[]));
    assert!(out.contains("removed peer"), "{out}");
    assert_eq!(ok(dragnet(&tmp.0, &["peer", "list", "--data", b], &[])).trim(), "");
    drop(server_b);
    drop(server_a);
}

#[test]
fn audit_verify_and_list_and_admin_check_on_a_data_dir() {
    let tmp = TempDir::new();
    let d = tmp.0.join("data");
    let data = d.to_str().unwrap();
    ok(dragnet(&tmp.0, &["admin", "org", "create", "Hotline", "--data", data, "--operator"], &[]));
    ok(dragnet(&tmp.0, &["admin", "org", "create", "Bank", "--data", data], &[]));
    ok(dragnet(
        &tmp.0,
        &["admin", "token", "create", "--org", "Bank", "--role", "admin", "--data", data],
        &[],
    ));
    let out = ok(dragnet(&tmp.0, &["audit", "verify", "--data", data], &[]));
    assert!(out.starts_with("audit chain ok: 3 entries, head seq 3 hash "), "{out}");
    let hash2 = {
        let listed = ok(dragnet(&tmp.0, &["audit", "list", "--data", data], &[]));
        // The head printed now is an anchor for later checks.
        let head = out.trim().rsplit(' ').next().unwrap().to_string();
        assert_eq!(listed.lines().count(), 3);
        head
    };
    let anchored =
        ok(dragnet(&tmp.0, &["audit", "verify", "--anchor", &format!("3:{hash2}"), "--data", data], &[]));
    assert!(anchored.contains("anchor ok: seq 3"), "{anchored}");
    let wrong = dragnet(&tmp.0, &["audit", "verify", "--anchor", &format!("2:{hash2}"), "--data", data], &[]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("anchor broken: seq 2 has hash"));
    let gone = dragnet(&tmp.0, &["audit", "verify", "--anchor", &format!("9:{hash2}"), "--data", data], &[]);
    assert!(String::from_utf8_lossy(&gone.stderr).contains("anchor broken: seq 9 is not in the chain"));
    let listed = ok(dragnet(&tmp.0, &["audit", "list", "--data", data], &[]));
    let actions: Vec<&str> = listed.lines().filter_map(|l| l.split('\t').nth(5)).collect();
    assert_eq!(actions, ["token.create", "org.create", "org.create"], "{listed}");
    assert!(listed.lines().all(|l| l.split('\t').nth(2) == Some("cli")), "{listed}");
    let only = ok(dragnet(&tmp.0, &["audit", "list", "--action", "token.create", "--data", data], &[]));
    assert_eq!(only.lines().count(), 1);
    let check = ok(dragnet(&tmp.0, &["admin", "check", "--data", data], &[]));
    assert!(
        check.contains("integrity ok: 0 reports") && check.contains("audit chain ok: 3 entries"),
        "{check}"
    );

    // Tampering with the database is caught, with the entry and what is wrong.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let store = store::SqliteStore::open(&d).await.unwrap();
        store.execute_unchecked("UPDATE audit_log SET object_id = 'forged' WHERE seq = 2").await.unwrap();
        store.close().await;
    });
    let out = dragnet(&tmp.0, &["audit", "verify", "--data", data], &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("audit chain broken at seq 2: entry seq 2 edited"), "{err}");
    let check = dragnet(&tmp.0, &["admin", "check", "--data", data], &[]);
    assert_eq!(check.status.code(), Some(1));
}

#[test]
fn serve_answers_https_with_the_given_certificate() {
    let tmp = TempDir::new();
    let d = tmp.0.join("data");
    let data = d.to_str().unwrap();
    let token = hotline_analyst(&tmp, data);
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let (cert_file, key_file) = (tmp.0.join("cert.pem"), tmp.0.join("key.pem"));
    std::fs::write(&cert_file, cert.pem()).unwrap();
    std::fs::write(&key_file, signing_key.serialize_pem()).unwrap();
    let (cert_path, key_path) = (cert_file.to_str().unwrap(), key_file.to_str().unwrap());

    // A key that does not exist: the file is named.
    let out = dragnet(
        &tmp.0,
        &[
            "serve",
            "--data",
            data,
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            cert_path,
            "--tls-key",
            "nokey.pem",
        ],
        &[],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot read the private key nokey.pem"), "{stderr}");

    let addr = free_addr();
    let _server = Server::start_with(data, &addr, &["--tls-cert", cert_path, "--tls-key", key_path]);
    let url = format!("https://{addr}");
    let lookup = ["lookup", "domain", "tls-cli.net", "--server", &url, "--token", &token];
    // The certificate is not one the system trusts…
    let untrusted = dragnet(&tmp.0, &lookup, &[("SSL_CERT_FILE", "/dev/null")]);
    assert!(!untrusted.status.success());
    let stderr = String::from_utf8_lossy(&untrusted.stderr).to_lowercase();
    assert!(stderr.contains("certificate"), "{stderr}");
    // …and is once the client is told to (SSL_CERT_FILE, as for other tools).
    let answer = ok(dragnet(&tmp.0, &lookup, &[("SSL_CERT_FILE", cert_path)]));
    assert!(answer.contains("tls-cli.net"), "{answer}");
    // Plain HTTP on the HTTPS port is not served.
    let plain = dragnet(
        &tmp.0,
        &["lookup", "domain", "tls-cli.net", "--server", &format!("http://{addr}"), "--token", &token],
        &[],
    );
    assert!(!plain.status.success());
}
