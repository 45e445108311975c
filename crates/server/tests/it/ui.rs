//! The web interface inside the whole application: its page and assets carry the interface's
//! policy, the API and the other routes keep theirs.

use axum::http::{Method, StatusCode, header};

use crate::harness::Env;

#[tokio::test]
async fn the_interface_is_served_beside_the_api() {
    let env = Env::new().await;
    let page = env.call(Method::GET, "/", None, None).await.expect(StatusCode::OK);
    assert_eq!(page.headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    let csp = page.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.starts_with("default-src 'self'; script-src 'self'; style-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe"), "{csp}");
    assert_eq!(page.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(page.headers[header::REFERRER_POLICY], "no-referrer");
    assert_eq!(page.headers[header::CACHE_CONTROL], "no-cache");
    assert!(page.headers.contains_key(header::ETAG));
    assert!(page.text().contains("/ui/js/app.js"));

    let script = env.call(Method::GET, "/ui/js/app.js", None, None).await.expect(StatusCode::OK);
    assert_eq!(script.headers[header::CONTENT_TYPE], "text/javascript; charset=utf-8");
    let missing = env.call(Method::GET, "/ui/js/missing.js", None, None).await;
    let missing = missing.expect_error(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(missing.headers[header::CONTENT_SECURITY_POLICY], csp);

    // The API keeps its own headers and its authentication.
    let health = env.call(Method::GET, "/healthz", None, None).await.expect(StatusCode::OK);
    assert_eq!(health.headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(health.headers[header::CONTENT_SECURITY_POLICY], "default-src 'none'; frame-ancestors 'none'");
    env.call(Method::GET, "/api/v1/reports", None, None)
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    env.call(Method::GET, "/nothing-here", None, None).await.expect_error(StatusCode::NOT_FOUND, "not_found");
    // A POST to the page is not a route.
    env.call(Method::POST, "/", None, None)
        .await
        .expect_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
}
