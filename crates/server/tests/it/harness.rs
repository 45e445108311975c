//! A dragnet instance in memory with a fixed cast of organisations, and a tiny client.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use engine::{Engine, EngineOptions};
use model::Role;
use serde_json::Value;
use server::{AppState, app};
use store::SqliteStore;
use tower::ServiceExt;

/// Operates the instance.
pub const OPERATOR: &str = "Operator";
/// Authors the reports under test.
pub const AUTHOR: &str = "Author Org";
/// Named in the reports' audience.
pub const NAMED: &str = "Named Org";
/// Member of the community named in the reports' audience.
pub const MEMBER: &str = "Member Org";
/// Named nowhere.
pub const OUTSIDER: &str = "Outsider Org";
/// The community named in the reports' audience.
pub const COMMUNITY: &str = "Trusted Community";

pub const ORGS: [&str; 5] = [OPERATOR, AUTHOR, NAMED, MEMBER, OUTSIDER];

/// An answer: status, headers and the raw body.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not json ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: StatusCode) -> Self {
        assert_eq!(self.status, status, "body: {}", self.text());
        self
    }

    /// Asserts an error answer: status, the `{"error": {code, message}}` shape and the code.
    #[track_caller]
    pub fn expect_error(self, status: StatusCode, code: &str) -> Self {
        let this = self.expect(status);
        assert_eq!(this.headers[header::CONTENT_TYPE], "application/json");
        let v = this.json();
        let obj = v.as_object().expect("an object");
        assert_eq!(obj.len(), 1, "only `error`: {v}");
        let err = v["error"].as_object().expect("error is an object");
        assert_eq!(err.len(), 2, "only code and message: {v}");
        assert_eq!(err["code"], code, "{v}");
        let message = err["message"].as_str().expect("a message");
        assert!(!message.is_empty() && !message.starts_with(char::is_uppercase), "lowercase: {message}");
        assert!(!message.ends_with('.'), "no trailing period: {message}");
        this
    }

    pub fn message(&self) -> String {
        self.json()["error"]["message"].as_str().unwrap_or_default().to_string()
    }
}

/// An instance: the engine over an in-memory SQLite store, the app, and tokens for every
/// organisation and role.
pub struct Env {
    pub engine: Arc<Engine>,
    pub app: Router,
    tokens: HashMap<(String, Role), String>,
}

impl Env {
    /// The cast: every organisation of [`ORGS`], [`COMMUNITY`] with [`MEMBER`], and a token per
    /// organisation and role, all set up through the engine as the local CLI.
    pub async fn new() -> Env {
        Env::with_options(EngineOptions::default()).await
    }

    /// [`Env::new`] with engine options of the test's choosing.
    pub async fn with_options(options: EngineOptions) -> Env {
        let store = SqliteStore::open_in_memory().await.expect("in-memory store");
        let engine = Arc::new(Engine::open(Arc::new(store), options).await.expect("engine"));
        for org in ORGS {
            engine.create_org(None, org, org == OPERATOR).await.expect("org");
        }
        engine.create_community(None, COMMUNITY, &[MEMBER.to_string()]).await.expect("community");
        let mut tokens = HashMap::new();
        for org in ORGS {
            for role in Role::ALL {
                let t = engine
                    .create_token(None, org, role, &format!("{org} {role}"), None)
                    .await
                    .expect("token");
                tokens.insert((org.to_string(), role), t.token);
            }
        }
        let app = app(AppState::new(engine.clone()));
        Env { engine, app, tokens }
    }

    /// The secret of `org`'s token with `role`.
    pub fn token(&self, org: &str, role: Role) -> &str {
        &self.tokens[&(org.to_string(), role)]
    }

    /// An analyst token of `org`: may read, submit and revoke.
    pub fn analyst(&self, org: &str) -> &str {
        self.token(org, Role::Analyst)
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        let resp = self.app.clone().oneshot(req).await.expect("infallible");
        let (parts, body) = resp.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX).await.expect("body");
        Resp { status: parts.status, headers: parts.headers, body }
    }

    pub async fn call(&self, method: Method, uri: &str, token: Option<&str>, body: Option<&Value>) -> Resp {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let body = match body {
            Some(v) => {
                req = req.header(header::CONTENT_TYPE, "application/json");
                Body::from(serde_json::to_vec(v).expect("json"))
            }
            None => Body::empty(),
        };
        self.send(req.body(body).expect("request")).await
    }

    pub async fn get(&self, uri: &str, token: &str) -> Resp {
        self.call(Method::GET, uri, Some(token), None).await
    }

    pub async fn post(&self, uri: &str, token: &str, body: &Value) -> Resp {
        self.call(Method::POST, uri, Some(token), Some(body)).await
    }

    /// POSTs raw bytes as `application/json`.
    pub async fn post_raw(&self, uri: &str, token: &str, body: impl Into<Body>) -> Resp {
        let req = Request::post(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.into())
            .expect("request");
        self.send(req).await
    }

    /// Submits a report as `org`'s analyst and returns its id.
    pub async fn submit(&self, org: &str, report: &Value) -> String {
        let r = self.post("/api/v1/reports", self.analyst(org), report).await.expect(StatusCode::CREATED);
        r.json()["id"].as_str().expect("an id").to_string()
    }
}

/// Percent-encodes a value as one path segment (RFC 3986 unreserved characters stay).
pub fn segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-encodes a query parameter value.
pub fn query(value: &str) -> String {
    segment(value)
}
