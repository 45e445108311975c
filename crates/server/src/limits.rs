//! Abuse limits: requests per token, and failed authentications per client address.
//!
//! - **Per token** ([`ServerOptions::token_rate`](crate::ServerOptions::token_rate)): every
//!   request carrying credentials takes one from its token's bucket; an empty bucket answers
//!   `429 rate_limited` with `Retry-After`. Off unless configured: tokens are accountable and
//!   bulk clients are legitimate, so the operator sets what fits the deployment.
//! - **Failed authentications per address**
//!   ([`ServerOptions::auth_failure_rate`](crate::ServerOptions::auth_failure_rate)): every
//!   `401` answered to an address takes one from the address's bucket. While it is empty, a
//!   request from that address whose credentials do not authenticate answers `429` instead of
//!   being tried, so tokens cannot be guessed at speed; callers whose credentials authenticate,
//!   and requests without credentials, pass (colleagues behind the same NAT are not locked
//!   out). On by default.
//!
//! Buckets refill continuously (`per_second`) up to `burst`. In-process requests (tests) have
//! no address and skip the address limit.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::ApiError;

/// A refill rate and a burst.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// Tokens added per second.
    pub per_second: f64,
    /// The bucket's size: how many may be taken at once after a quiet spell.
    pub burst: u32,
}

impl Rate {
    /// Parses `N/s`, `N/m` or `N/h`, with an optional burst after a comma (`100/s,500`); the
    /// burst defaults to one second's worth (at least 1) for `/s`, and to `N` otherwise.
    pub fn parse(s: &str) -> Result<Rate, String> {
        let (rate, burst) = match s.split_once(',') {
            Some((r, b)) => (r.trim(), Some(b.trim())),
            None => (s.trim(), None),
        };
        let (n, unit) = rate.split_once('/').ok_or_else(|| format!("{s:?}: expected N/s, N/m or N/h"))?;
        let n: f64 = n.trim().parse().map_err(|_| format!("{s:?}: {n:?} is not a number"))?;
        if !(n > 0.0 && n.is_finite()) {
            return Err(format!("{s:?}: the rate must be above 0"));
        }
        let seconds = match unit.trim() {
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            other => return Err(format!("{s:?}: unknown unit {other:?} (s, m or h)")),
        };
        let burst = match burst {
            Some(b) => {
                b.parse::<u32>().ok().filter(|b| *b > 0).ok_or_else(|| format!("{s:?}: bad burst {b:?}"))?
            }
            None => (n.ceil() as u32).max(1),
        };
        Ok(Rate { per_second: n / seconds, burst })
    }
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/s,{}", self.per_second, self.burst)
    }
}

/// Entries kept before idle (full) buckets are swept.
const SWEEP_AT: usize = 50_000;

/// Token buckets by key.
#[derive(Debug)]
struct Buckets<K> {
    rate: Rate,
    map: Mutex<HashMap<K, (f64, Instant)>>,
}

impl<K: Hash + Eq + Copy> Buckets<K> {
    fn new(rate: Rate) -> Self {
        Buckets { rate, map: Mutex::new(HashMap::new()) }
    }

    /// The level of `key`'s bucket at `now` (a new key's bucket is full).
    fn level(&self, map: &HashMap<K, (f64, Instant)>, key: &K, now: Instant) -> f64 {
        let burst = f64::from(self.rate.burst);
        map.get(key).map_or(burst, |(level, at)| {
            (level + now.saturating_duration_since(*at).as_secs_f64() * self.rate.per_second).min(burst)
        })
    }

    /// How long until `key`'s bucket holds one, or `None` when it does now.
    fn wait(&self, level: f64) -> Option<Duration> {
        (level < 1.0).then(|| Duration::from_secs_f64((1.0 - level) / self.rate.per_second))
    }

    /// Takes one from `key`'s bucket; when it is empty, how long until it is not.
    fn take(&self, key: K, now: Instant) -> Result<(), Duration> {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let level = self.level(&map, &key, now);
        if let Some(wait) = self.wait(level) {
            return Err(wait);
        }
        if map.len() >= SWEEP_AT {
            let burst = f64::from(self.rate.burst);
            let rate = self.rate.per_second;
            map.retain(|_, (l, at)| *l + now.saturating_duration_since(*at).as_secs_f64() * rate < burst);
        }
        map.insert(key, (level - 1.0, now));
        Ok(())
    }

    /// Whether `key`'s bucket is empty; if so, how long until it is not.
    fn empty(&self, key: &K, now: Instant) -> Option<Duration> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        self.wait(self.level(&map, key, now))
    }

    /// Takes one from `key`'s bucket, even into debt (a failure that happened is counted).
    fn charge(&self, key: K, now: Instant) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let level = self.level(&map, &key, now);
        if map.len() >= SWEEP_AT && !map.contains_key(&key) {
            let burst = f64::from(self.rate.burst);
            let rate = self.rate.per_second;
            map.retain(|_, (l, at)| *l + now.saturating_duration_since(*at).as_secs_f64() * rate < burst);
        }
        // Debt is bounded: at most one burst below zero.
        map.insert(key, ((level - 1.0).max(-f64::from(self.rate.burst)), now));
    }
}

/// The limiters of a server (see the module docs).
#[derive(Debug)]
pub struct Limits {
    tokens: Option<Buckets<[u8; 16]>>,
    failures: Option<Buckets<IpAddr>>,
}

impl Limits {
    pub fn new(token_rate: Option<Rate>, auth_failure_rate: Option<Rate>) -> Limits {
        Limits { tokens: token_rate.map(Buckets::new), failures: auth_failure_rate.map(Buckets::new) }
    }
}

/// The key of a request's credentials (`Authorization`, whatever the scheme): a digest, so the
/// secret itself is not kept.
fn credentials_key(req: &Request) -> Option<[u8; 16]> {
    let value = req.headers().get(AUTHORIZATION)?;
    let digest = Sha256::digest(value.as_bytes());
    let mut key = [0; 16];
    key.copy_from_slice(&digest[..16]);
    Some(key)
}

/// Whether the request's credentials authenticate (bearer, or Basic as TAXII takes it).
async fn authenticates(state: &AppState, authorization: Option<String>) -> bool {
    let Some(value) = authorization else { return false };
    let Some((scheme, credentials)) = value.trim().split_once(' ') else { return false };
    let credentials = credentials.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return state.engine.authenticate(credentials).await.is_ok();
    }
    if scheme.eq_ignore_ascii_case("basic") {
        use base64::Engine as _;
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(credentials) else { return false };
        let Ok(decoded) = String::from_utf8(decoded) else { return false };
        let Some((user, password)) = decoded.split_once(':') else { return false };
        return state.engine.authenticate_basic(user, password).await.is_ok();
    }
    false
}

fn limited(wait: Duration) -> Response {
    ApiError::RateLimited { retry_after: wait }.into_response()
}

/// The middleware applying [`Limits`].
pub async fn rate_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limits = &state.limits;
    let Some(credentials) = credentials_key(&req) else { return next.run(req).await };
    let now = Instant::now();
    if let Some(tokens) = &limits.tokens
        && let Err(wait) = tokens.take(credentials, now)
    {
        return limited(wait);
    }
    let address = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let (Some(failures), Some(address)) = (&limits.failures, address) else { return next.run(req).await };
    if let Some(wait) = failures.empty(&address, now)
        && !authenticates(
            &state,
            req.headers().get(AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_string),
        )
        .await
    {
        tracing::warn!(%address, "failed authentications over the limit");
        return limited(wait);
    }
    let response = next.run(req).await;
    if response.status() == axum::http::StatusCode::UNAUTHORIZED {
        failures.charge(address, Instant::now());
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_with_units_and_bursts() {
        assert_eq!(Rate::parse("100/s").unwrap(), Rate { per_second: 100.0, burst: 100 });
        assert_eq!(Rate::parse("30/m").unwrap(), Rate { per_second: 0.5, burst: 30 });
        assert_eq!(Rate::parse("10/s, 50").unwrap(), Rate { per_second: 10.0, burst: 50 });
        assert_eq!(Rate::parse("0.5/s").unwrap(), Rate { per_second: 0.5, burst: 1 });
        for bad in ["100", "0/s", "x/s", "10/d", "10/s,0", "-1/s"] {
            assert!(Rate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn buckets_refill_up_to_their_burst() {
        let b = Buckets::new(Rate { per_second: 2.0, burst: 3 });
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(b.take(1u8, t0).is_ok());
        }
        let wait = b.take(1, t0).unwrap_err();
        assert!((wait.as_secs_f64() - 0.5).abs() < 1e-9, "{wait:?}");
        // Another key has its own bucket.
        assert!(b.take(2, t0).is_ok());
        // Half a second later, one more; a long while later, never more than the burst.
        assert!(b.take(1, t0 + Duration::from_millis(500)).is_ok());
        assert!(b.take(1, t0 + Duration::from_millis(500)).is_err());
        let later = t0 + Duration::from_secs(3600);
        for _ in 0..3 {
            assert!(b.take(1, later).is_ok());
        }
        assert!(b.take(1, later).is_err());
    }

    #[test]
    fn charges_count_into_bounded_debt() {
        let b = Buckets::new(Rate { per_second: 1.0, burst: 2 });
        let t0 = Instant::now();
        assert!(b.empty(&7u8, t0).is_none());
        for _ in 0..10 {
            b.charge(7, t0);
        }
        // Two to pay back before the bucket holds one: three seconds, not nine.
        let wait = b.empty(&7, t0).unwrap();
        assert!((wait.as_secs_f64() - 3.0).abs() < 1e-9, "{wait:?}");
        assert!(b.empty(&7, t0 + Duration::from_secs(3)).is_none());
    }
}
