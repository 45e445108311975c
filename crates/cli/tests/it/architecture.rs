//! Architecture invariant: the pure crates have no IO dependencies, directly or transitively.

use std::collections::{BTreeSet, HashMap};
use std::process::Command;

/// Crates that must stay pure: no async runtime, no database, no network, no HTTP.
const PURE: &[&str] = &["model", "extract", "pdq", "graph", "demo", "stix", "misp"];
/// Packages whose presence means IO.
const IO: &[&str] = &[
    "tokio",
    "mio",
    "socket2",
    "sqlx",
    "sqlx-core",
    "sqlx-sqlite",
    "sqlx-postgres",
    "libsqlite3-sys",
    "rusqlite",
    "axum",
    "hyper",
    "tower",
    "tower-http",
    "reqwest",
    "async-nats",
    "async-std",
    "postgres",
    "tokio-postgres",
];

#[test]
fn pure_crates_have_no_io_dependencies() {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(out.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("cargo metadata is json");

    let names: HashMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    // Normal (non-dev, non-build) dependency edges of the resolved graph.
    let mut edges: HashMap<&str, Vec<&str>> = HashMap::new();
    for node in meta["resolve"]["nodes"].as_array().unwrap() {
        let id = node["id"].as_str().unwrap();
        let deps = node["deps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["dep_kinds"].as_array().unwrap().iter().any(|k| k["kind"].is_null()))
            .map(|d| d["pkg"].as_str().unwrap())
            .collect();
        edges.insert(id, deps);
    }
    let mut checked = 0;
    for pure in PURE {
        let (root, _) = names.iter().find(|(_, n)| *n == pure).unwrap_or_else(|| panic!("no crate {pure}"));
        let mut seen = BTreeSet::new();
        let mut stack = vec![*root];
        while let Some(id) = stack.pop() {
            if seen.insert(id) {
                stack.extend(edges.get(id).into_iter().flatten());
            }
        }
        let io: Vec<&str> = seen.iter().map(|id| names[id]).filter(|n| IO.contains(n)).collect();
        assert!(io.is_empty(), "pure crate {pure} depends on IO crates {io:?}");
        checked += seen.len();
    }
    assert!(checked > PURE.len(), "the dependency walk found nothing: the check would prove nothing");
}

#[test]
fn the_io_list_catches_an_io_crate() {
    // The walk above is only meaningful if the IO list names what the IO crates really use.
    let out = Command::new(env!("CARGO"))
        .args(["tree", "-p", "store", "-e", "normal", "--prefix", "none"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(tree.lines().any(|l| l.starts_with("sqlx ")), "store should depend on sqlx: {tree}");
    assert!(tree.lines().any(|l| l.starts_with("tokio ")), "store should depend on tokio");
}

#[test]
fn only_the_binary_and_the_bus_crate_depend_on_nats() {
    // The engine and the server know an `EventBus`, never NATS: the binary wires `natsbus` in.
    for krate in ["engine", "server", "store"] {
        let out = Command::new(env!("CARGO"))
            .args(["tree", "-p", krate, "-e", "normal", "--prefix", "none"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo tree runs");
        let tree = String::from_utf8_lossy(&out.stdout);
        assert!(tree.lines().count() > 10, "cargo tree -p {krate} printed nothing: {tree}");
        assert!(!tree.lines().any(|l| l.starts_with("async-nats ")), "{krate} depends on async-nats");
    }
    let out = Command::new(env!("CARGO"))
        .args(["tree", "-p", "natsbus", "-e", "normal", "--prefix", "none"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(String::from_utf8_lossy(&out.stdout).lines().any(|l| l.starts_with("async-nats ")));
}
