//! The server over real TCP.

use std::time::Duration;

use serde_json::{Value, json};
use server::{AppState, serve_with_shutdown};

use crate::harness::{AUTHOR, Env};

#[tokio::test]
async fn serves_over_tcp_and_shuts_down_gracefully() {
    let env = Env::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_with_shutdown(listener, AppState::new(env.engine.clone()), async {
        let _ = stopped.await;
    }));

    let http = reqwest::Client::new();
    let base = format!("http://{addr}");
    let health: Value = http.get(format!("{base}/healthz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health, json!({"status": "ok"}));

    let token = env.analyst(AUTHOR);
    let created = http
        .post(format!("{base}/api/v1/reports"))
        .bearer_auth(token)
        .json(&json!({"kind": "scam", "title": "t", "tlp": "GREEN",
            "observables": [{"kind": "phone", "value": "+1 888 839 1214"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let checked = http
        .post(format!("{base}/api/v1/check"))
        .bearer_auth(token)
        .json(&json!({"selectors": [{"value": "+1 888 839 1214"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(checked.status(), 200);
    assert_eq!(checked.headers()["content-type"], "application/json");
    let checked: Value = checked.json().await.unwrap();
    assert_eq!(checked["results"][0]["hit"], true, "{checked}");

    let unauthenticated = http.get(format!("{base}/api/v1/reports")).send().await.unwrap();
    assert_eq!(unauthenticated.status(), 401);
    assert!(unauthenticated.headers().contains_key("www-authenticate"));

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server).await.expect("stops").unwrap().unwrap();
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "no longer listening");
}

/// On a multi-threaded runtime (as in production), large checks and batches run through
/// `block_in_place`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_requests_on_a_multi_threaded_runtime() {
    let env = Env::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_with_shutdown(listener, AppState::new(env.engine.clone()), async {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::new();
    let token = env.analyst(AUTHOR);
    let records: Vec<Value> = (0..300)
        .map(|i| {
            json!({"kind": "scam", "title": format!("r{i}"), "tlp": "GREEN",
            "observables": [{"kind": "md5", "value": format!("{i:032x}")}]})
        })
        .collect();
    let outcome: Value = http
        .post(format!("http://{addr}/api/v1/reports/batch"))
        .bearer_auth(token)
        .json(&records)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(outcome["accepted"].as_array().unwrap().len(), 300, "{outcome}");
    let selectors: Vec<Value> =
        (0..1_000).map(|i| json!({"kind": "md5", "value": format!("{i:032x}")})).collect();
    let checked: Value = http
        .post(format!("http://{addr}/api/v1/check"))
        .bearer_auth(token)
        .json(&json!({ "selectors": selectors }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let hits = checked["results"].as_array().unwrap().iter().filter(|r| r["hit"] == true).count();
    assert_eq!(hits, 300);
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

/// Requests per token and failed authentications per address, over TCP (the address limit
/// needs the client's address).
#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    let env = Env::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Buckets that do not refill within the test.
    let slow = |burst| server::limits::Rate { per_second: 0.001, burst };
    let options = server::ServerOptions {
        token_rate: Some(slow(6)),
        auth_failure_rate: Some(slow(3)),
        ..Default::default()
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_with_shutdown(
        listener,
        AppState::with_options(env.engine.clone(), options),
        async {
            let _ = stopped.await;
        },
    ));
    let http = reqwest::Client::new();
    let base = format!("http://{addr}");
    let get = |token: &str| http.get(format!("{base}/api/v1/reports")).bearer_auth(token.to_string()).send();

    // Three wrong tokens are answered 401; then the address is over its budget: 429, with
    // Retry-After and the stable code, for every token that does not authenticate.
    for i in 0..3 {
        assert_eq!(get(&format!("dn_wrong{i}")).await.unwrap().status(), 401, "attempt {i}");
    }
    let limited = get("dn_wrong3").await.unwrap();
    assert_eq!(limited.status(), 429);
    let retry: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry >= 1, "{retry}");
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    assert!(body["error"]["message"].as_str().unwrap().starts_with("too many requests: retry in"), "{body}");
    // A caller whose token authenticates is not locked out by its neighbours' failures, and
    // requests without credentials are not attempts.
    let token = env.analyst(AUTHOR);
    assert_eq!(get(token).await.unwrap().status(), 200);
    assert_eq!(http.get(format!("{base}/healthz")).send().await.unwrap().status(), 200);

    // The token's own budget: six requests in all, the seventh is limited; another token is not.
    for i in 1..6 {
        assert_eq!(get(token).await.unwrap().status(), 200, "request {i}");
    }
    let over = get(token).await.unwrap();
    assert_eq!(over.status(), 429);
    assert!(over.headers().contains_key("retry-after"));
    let other = env.token(crate::harness::OUTSIDER, model::Role::Reader);
    assert_eq!(get(other).await.unwrap().status(), 200);

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server).await.expect("stops").unwrap().unwrap();
}
