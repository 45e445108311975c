//! The web interface: static assets embedded in the binary (`crates/server/ui/`), served at `/`
//! (the application page) and `/ui/{path}`.
//!
//! Every answer of this module, a missing asset included, carries [`CSP`]: scripts, styles and
//! connections from this origin only, no inline script or style, no framing. The pages are plain
//! ES modules and one style sheet; no build step. The chart and graph libraries are published
//! npm files, unchanged, under `ui/vendor/` (listed, with the refresh commands, in its README),
//! loaded by `js/vendor.js` on the pages that use them.
//! The scripts write every value from the API as text (`textContent`, attributes on created
//! elements), never as markup: a test below rejects HTML sinks in the scripts and inline script,
//! style or event handlers in the page.
//!
//! Assets are revalidated on every use (`Cache-Control: no-cache`) against a strong `ETag`, the
//! SHA-256 of their bytes: a new binary serves new assets at once, an unchanged one answers `304`.

use std::sync::OnceLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// The Content-Security-Policy of every web-interface answer.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; \
frame-ancestors 'none'; form-action 'self'";

/// One embedded file: its path under `/ui/`, content type and bytes.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! assets {
    ($($path:literal => $ct:expr),+ $(,)?) => {
        &[$(Asset { path: $path, content_type: $ct, bytes: include_bytes!(concat!("../ui/", $path)) }),+]
    };
}

const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const SVG: &str = "image/svg+xml";
const TEXT: &str = "text/plain; charset=utf-8";

static ASSETS: &[Asset] = assets! {
    "index.html" => HTML,
    "css/app.css" => CSS,
    "js/app.js" => JS,
    "js/h.js" => JS,
    "js/api.js" => JS,
    "js/format.js" => JS,
    "js/chart.js" => JS,
    "js/vendor.js" => JS,
    "js/dashboard.js" => JS,
    "js/search.js" => JS,
    "js/report.js" => JS,
    "js/campaign.js" => JS,
    "js/intake.js" => JS,
    "js/hashes.js" => JS,
    "js/admin.js" => JS,
    "js/stream.js" => JS,
    "js/graph.js" => JS,
    "js/fa2-worker.js" => JS,
    "vendor/graphology-0.26.0/graphology.umd.min.js" => JS,
    "vendor/graphology-0.26.0/LICENSE.txt" => TEXT,
    "vendor/sigma-3.0.3/sigma.min.js" => JS,
    "vendor/sigma-3.0.3/LICENSE.txt" => TEXT,
    "vendor/graphology-layout-forceatlas2-0.10.1/iterate.js" => JS,
    "vendor/graphology-layout-forceatlas2-0.10.1/LICENSE.txt" => TEXT,
    "vendor/uplot-1.6.32/uPlot.iife.min.js" => JS,
    "vendor/uplot-1.6.32/uPlot.min.css" => CSS,
    "vendor/uplot-1.6.32/LICENSE" => TEXT,
    "vendor/README.md" => TEXT,
    "favicon.svg" => SVG,
};

/// The strong ETag of each asset, in [`ASSETS`] order, computed once.
fn etags() -> &'static [HeaderValue] {
    static TAGS: OnceLock<Vec<HeaderValue>> = OnceLock::new();
    TAGS.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| {
                let digest = Sha256::digest(a.bytes);
                let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
                HeaderValue::from_str(&format!("\"{hex}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
            })
            .collect()
    })
}

pub(crate) fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(index))
        .route("/favicon.ico", get(favicon))
        .route("/ui", get(index))
        .route("/ui/", get(index))
        .route("/ui/{*path}", get(asset))
}

async fn index(method: Method, headers: HeaderMap) -> Response {
    serve("index.html", &method, &headers)
}

async fn favicon(method: Method, headers: HeaderMap) -> Response {
    serve("favicon.svg", &method, &headers)
}

async fn asset(method: Method, Path(path): Path<String>, headers: HeaderMap) -> Response {
    serve(&path, &method, &headers)
}

/// The security headers of every web-interface answer.
fn secure(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    r
}

fn serve(path: &str, method: &Method, headers: &HeaderMap) -> Response {
    let Some(i) = ASSETS.iter().position(|a| a.path == path) else {
        let e = ApiError::RouteNotFound { method: method.clone(), path: format!("/ui/{path}") };
        return secure(e.into_response());
    };
    let asset = &ASSETS[i];
    let etag = &etags()[i];
    let fresh = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            let t = t.trim();
            t == "*" || t.trim_start_matches("W/").as_bytes() == etag.as_bytes()
        });
    let mut r = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = (StatusCode::OK, asset.bytes).into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
        r
    };
    let h = r.headers_mut();
    h.insert(header::ETAG, etag.clone());
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    secure(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{Body, to_bytes};
    use axum::http::Request;
    use tower::ServiceExt;

    async fn get(path: &str, if_none_match: Option<&str>) -> Response {
        let mut req = Request::get(path);
        if let Some(tag) = if_none_match {
            req = req.header(header::IF_NONE_MATCH, tag);
        }
        routes::<()>().oneshot(req.body(Body::empty()).unwrap()).await.unwrap()
    }

    fn assert_secure(r: &Response, what: &str) {
        let h = r.headers();
        assert_eq!(h[header::CONTENT_SECURITY_POLICY], CSP, "{what}");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{what}");
        assert_eq!(h[header::REFERRER_POLICY], "no-referrer", "{what}");
    }

    fn text(a: &Asset) -> &'static str {
        std::str::from_utf8(a.bytes).unwrap_or_else(|e| panic!("{}: not utf-8: {e}", a.path))
    }

    #[test]
    fn the_policy_allows_nothing_inline() {
        assert!(!CSP.contains("unsafe"));
        for d in ["script-src 'self'", "style-src 'self'", "object-src 'none'", "frame-ancestors 'none'"] {
            assert!(CSP.contains(d), "{d}");
        }
    }

    #[tokio::test]
    async fn every_asset_is_served_with_its_type_an_etag_and_the_policy() {
        for a in ASSETS {
            let r = get(&format!("/ui/{}", a.path), None).await;
            assert_eq!(r.status(), StatusCode::OK, "{}", a.path);
            assert_secure(&r, a.path);
            let ct = r.headers()[header::CONTENT_TYPE].to_str().unwrap().to_string();
            let file = a.path.rsplit('/').next().unwrap_or(a.path);
            let want = match file.rsplit_once('.').map(|(_, ext)| ext) {
                None if file == "LICENSE" => TEXT,
                Some("html") => HTML,
                Some("css") => CSS,
                Some("js") => JS,
                Some("svg") => SVG,
                Some("txt" | "md") => TEXT,
                other => panic!("{}: unexpected extension {other:?}", a.path),
            };
            assert_eq!(ct, want, "{}", a.path);
            assert_eq!(r.headers()[header::CACHE_CONTROL], "no-cache");
            let etag = r.headers()[header::ETAG].to_str().unwrap().to_string();
            assert!(etag.starts_with('"') && etag.len() == 34, "{}: {etag}", a.path);
            let body = to_bytes(r.into_body(), usize::MAX).await.unwrap();
            assert_eq!(&body[..], a.bytes, "{}", a.path);
        }
    }

    #[tokio::test]
    async fn the_root_is_the_application_page() {
        for path in ["/", "/ui", "/ui/"] {
            let r = get(path, None).await;
            assert_eq!(r.status(), StatusCode::OK, "{path}");
            assert_eq!(r.headers()[header::CONTENT_TYPE], HTML);
            assert_secure(&r, path);
            let body = to_bytes(r.into_body(), usize::MAX).await.unwrap();
            assert!(
                std::str::from_utf8(&body)
                    .unwrap()
                    .contains("<script type=\"module\" src=\"/ui/js/app.js\">")
            );
        }
    }

    #[tokio::test]
    async fn an_unchanged_asset_answers_not_modified() {
        let first = get("/ui/js/app.js", None).await;
        let tag = first.headers()[header::ETAG].to_str().unwrap().to_string();
        let again = get("/ui/js/app.js", Some(&tag)).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert_secure(&again, "304");
        assert!(to_bytes(again.into_body(), usize::MAX).await.unwrap().is_empty());
        let other = get("/ui/js/app.js", Some("\"0123\"")).await;
        assert_eq!(other.status(), StatusCode::OK);
        // Two vendored packages ship the same licence text: equal bytes, equal tag.
        let tags: std::collections::HashSet<_> = etags().iter().collect();
        let contents: std::collections::HashSet<_> = ASSETS.iter().map(|a| a.bytes).collect();
        assert!(contents.len() >= ASSETS.len() - 1, "at most one shared content");
        assert_eq!(tags.len(), contents.len(), "every distinct content has its own tag");
    }

    #[tokio::test]
    async fn an_unknown_asset_is_not_found_with_the_policy() {
        for path in ["/ui/nope.js", "/ui/js/../index.html", "/ui/js/", "/ui/css/app.css.map"] {
            let r = get(path, None).await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
            assert_secure(&r, path);
            assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
        }
    }

    #[test]
    fn the_page_has_no_inline_script_style_or_handler() {
        for a in ASSETS.iter().filter(|a| a.path.ends_with(".html") || a.path.ends_with(".svg")) {
            let page = text(a).to_ascii_lowercase();
            let mut rest = page.as_str();
            while let Some(i) = rest.find("<script") {
                let tag_end = rest[i..].find('>').map(|j| i + j).unwrap();
                let tag = &rest[i..tag_end];
                assert!(tag.contains(" src="), "{}: inline script {tag}", a.path);
                assert!(rest[tag_end + 1..].starts_with("</script>"), "{}: script with a body", a.path);
                rest = &rest[tag_end..];
            }
            assert!(!page.contains("<style"), "{}: inline style element", a.path);
            assert!(!page.contains(" style="), "{}: style attribute", a.path);
            assert!(!page.contains("javascript:"), "{}: javascript: url", a.path);
            let handler = page.match_indices(" on").any(|(i, _)| {
                let name: String = page[i + 3..].chars().take_while(|c| c.is_ascii_alphabetic()).collect();
                !name.is_empty() && page[i + 3 + name.len()..].trim_start().starts_with('=')
            });
            assert!(!handler, "{}: inline event handler", a.path);
        }
    }

    #[test]
    fn the_scripts_write_no_markup() {
        let sinks = [
            "innerhtml",
            "outerhtml",
            "insertadjacenthtml",
            "document.write",
            "eval(",
            "new function",
            "createcontextualfragment",
            "srcdoc",
            ".style.",
            "setattribute('style'",
            "setattribute(\"style\"",
        ];
        for a in ASSETS.iter().filter(|a| a.path.ends_with(".js") && !a.path.starts_with("vendor/")) {
            let src = text(a).to_ascii_lowercase();
            for sink in sinks {
                assert!(!src.contains(sink), "{}: uses {sink}", a.path);
            }
            let handler_attr = src.match_indices("'on").chain(src.match_indices("\"on")).any(|(i, _)| {
                let name: String = src[i + 3..].chars().take_while(|c| c.is_ascii_alphabetic()).collect();
                !name.is_empty() && src[i + 3 + name.len()..].starts_with(['\'', '"'])
            });
            assert!(!handler_attr, "{}: sets an on* attribute", a.path);
        }
    }

    #[test]
    fn vendored_files_are_loaded_by_the_pages_that_need_them_and_exist() {
        let index = text(ASSETS.iter().find(|a| a.path == "index.html").unwrap());
        assert!(!index.contains("/ui/vendor/"), "index.html loads no library: js/vendor.js does, on demand");
        let mut named = 0;
        for a in ASSETS.iter().filter(|a| a.path.ends_with(".js") && !a.path.starts_with("vendor/")) {
            let src = text(a);
            for (i, _) in src.match_indices("'/ui/vendor/") {
                let path = &src[i + 5..];
                let path = &path[..path.find('\'').unwrap()];
                assert!(ASSETS.iter().any(|b| b.path == path), "{}: names a missing asset {path}", a.path);
                named += 1;
            }
        }
        assert_eq!(named, 5, "uplot's script and style sheet, graphology, sigma, the forceatlas2 iteration");
    }

    #[test]
    fn the_vendored_scripts_need_no_eval() {
        let vendored: Vec<&Asset> =
            ASSETS.iter().filter(|a| a.path.starts_with("vendor/") && a.path.ends_with(".js")).collect();
        assert_eq!(vendored.len(), 4, "graphology, sigma, the forceatlas2 iteration and uplot");
        for a in vendored {
            let src = text(a).to_ascii_lowercase();
            for sink in ["eval(", "new function", "innerhtml", "document.write", "importscripts"] {
                assert!(!src.contains(sink), "{}: uses {sink}", a.path);
            }
        }
    }
}
