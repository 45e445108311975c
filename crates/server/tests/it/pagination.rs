//! Cursor pagination walks every visible report exactly once, newest first.

use std::collections::HashSet;

use axum::http::StatusCode;
use serde_json::json;

use crate::harness::{AUTHOR, Env, NAMED, OUTSIDER};

#[tokio::test]
async fn cursor_walks_every_visible_report_once() {
    let env = Env::new().await;
    let mut visible = Vec::new();
    for i in 0..23 {
        // Interleave reports the outsider may see with reports it may not.
        visible.push(
            env.submit(AUTHOR, &json!({"kind": "intel", "title": format!("green {i}"), "tlp": "GREEN"}))
                .await,
        );
        env.submit(
            AUTHOR,
            &json!({"kind": "intel", "title": format!("red {i}"), "tlp": "RED", "audience": {"organizations": [NAMED]}}),
        )
        .await;
    }
    let token = env.analyst(OUTSIDER);
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let uri = match &cursor {
            Some(c) => format!("/api/v1/reports?limit=5&cursor={c}"),
            None => "/api/v1/reports?limit=5".to_string(),
        };
        let page = env.get(&uri, token).await.expect(StatusCode::OK).json();
        pages += 1;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 5);
        seen.extend(items.iter().map(|r| r["id"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
        assert!(pages < 20, "the walk does not end");
    }
    assert_eq!(pages, 5);
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "a report came twice");
    visible.reverse();
    assert_eq!(seen, visible, "every visible report, newest first");

    // The author walks all 46 with the default page size in one page.
    let all = env.get("/api/v1/reports", env.analyst(AUTHOR)).await.expect(StatusCode::OK).json();
    assert_eq!(all["items"].as_array().unwrap().len(), 46);
    assert!(all["next_cursor"].is_null());
}
