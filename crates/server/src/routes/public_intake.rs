//! `/intake/{org}`: an organisation's public scam-report form, for victims and their families.
//!
//! Plain HTML, no JavaScript: large type, plain language, every field labelled, usable with a
//! keyboard and a screen reader. Only organisations the operator enabled have one
//! (`--public-intake ORG`). Submissions are rate-limited per client address and per
//! organisation, and go to that organisation only (as its intake channel: AMBER to its
//! communities). A hidden field catches form-filling robots.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{ConnectInfo, Form, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use model::scam::{
    AgeBracket, Amount, ContactMethod, Incident, IntakeInput, Loss, PaymentMethod, ScamDetails, ScamType,
    SourceType, Victim, VictimPii,
};
use serde::Deserialize;

use crate::AppState;
use crate::extract::Path;

/// Submissions allowed per client address per window.
const PER_CLIENT: u32 = 5;
/// Submissions allowed per organisation per window.
const PER_ORG: u32 = 200;
const WINDOW: Duration = Duration::from_secs(600);

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/intake/form.css", get(css)).route("/intake/{org}", get(page).post(submit))
}

const CSS: &str = "body{font:1.25rem/1.6 system-ui,sans-serif;max-width:42rem;margin:0 auto;padding:1rem;color:#111;background:#fff}\
h1{font-size:1.8rem}label{display:block;font-weight:600;margin-top:1.2rem}\
.hint{font-weight:400;color:#333;display:block}\
input,select,textarea{font:inherit;width:100%;padding:.5rem;border:2px solid #444;border-radius:4px;box-sizing:border-box}\
textarea{min-height:8rem}button{font:inherit;font-weight:700;margin-top:1.5rem;padding:.8rem 1.6rem;background:#0b57d0;color:#fff;border:0;border-radius:4px}\
:focus{outline:4px solid #f9a825;outline-offset:2px}.trap{position:absolute;left:-10000px}\
.error{border-left:6px solid #b00020;padding:.5rem 1rem;background:#fdecea}fieldset{border:0;padding:0;margin:0}";

async fn css() -> Response {
    let mut r = CSS.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
    r
}

/// HTML with every special character escaped (names and messages may hold anything).
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn html(status: StatusCode, title: &str, body: &str) -> Response {
    let doc = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><link rel=\"stylesheet\" href=\"/intake/form.css\"></head><body><main>{body}</main></body></html>",
        esc(title)
    );
    let mut r = (status, doc).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    r
}

const SCAM_CHOICES: [(ScamType, &str); 16] = [
    (ScamType::TechSupport, "Someone said my computer had a problem or a virus"),
    (
        ScamType::GovernmentImpersonation,
        "Someone pretended to be the tax office, police or a government office",
    ),
    (ScamType::BusinessImpersonation, "Someone pretended to be my bank or a company"),
    (ScamType::FamilyGrandparent, "Someone pretended to be a family member in trouble"),
    (ScamType::Romance, "Someone I met online asked me for money"),
    (ScamType::InvestmentCrypto, "An investment or cryptocurrency offer"),
    (ScamType::LotteryInheritance, "I was told I won a prize or an inheritance"),
    (ScamType::AdvanceFee, "I had to pay a fee to receive money or a loan"),
    (ScamType::OnlineShopping, "I paid for something online that never came"),
    (ScamType::Employment, "A job offer"),
    (ScamType::ExtortionSextortion, "Someone threatened me"),
    (ScamType::Phishing, "A message asked for my passwords or card details"),
    (ScamType::Bec, "A supplier's or my boss's e-mail asked for a payment"),
    (ScamType::RecoveryScam, "Someone offered to get back money I lost to a scam"),
    (ScamType::CourierCashPickup, "Someone came to my door to collect cash, cards or gold"),
    (ScamType::Other, "Something else"),
];

const CONTACT_CHOICES: [(ContactMethod, &str); 10] = [
    (ContactMethod::PhoneCall, "A phone call"),
    (ContactMethod::Sms, "A text message"),
    (ContactMethod::Email, "An e-mail"),
    (ContactMethod::SocialMedia, "Social media"),
    (ContactMethod::MessagingApp, "WhatsApp, Telegram or another messaging app"),
    (ContactMethod::Website, "A website"),
    (ContactMethod::PopUp, "A pop-up on my screen"),
    (ContactMethod::SearchAd, "An advert in search results"),
    (ContactMethod::Mail, "A letter"),
    (ContactMethod::InPerson, "In person, at my door"),
];

const PAYMENT_CHOICES: [(PaymentMethod, &str); 13] = [
    (PaymentMethod::BankTransfer, "Bank transfer"),
    (PaymentMethod::Wire, "Wire transfer (Western Union, MoneyGram…)"),
    (PaymentMethod::P2pApp, "A payment app (Zelle, PayPal, Venmo…)"),
    (PaymentMethod::GiftCard, "Gift cards"),
    (PaymentMethod::Crypto, "Cryptocurrency"),
    (PaymentMethod::CryptoAtm, "A cryptocurrency machine (Bitcoin ATM)"),
    (PaymentMethod::Cash, "Cash"),
    (PaymentMethod::Courier, "Cash or valuables given to a courier"),
    (PaymentMethod::Gold, "Gold"),
    (PaymentMethod::Card, "Debit or credit card"),
    (PaymentMethod::Cheque, "Cheque"),
    (PaymentMethod::MoneyOrder, "Money order"),
    (PaymentMethod::Other, "Another way"),
];

fn options<T: Copy + PartialEq>(
    choices: &[(T, &str)],
    value: impl Fn(T) -> &'static str,
    selected: &str,
) -> String {
    let mut s = String::from("<option value=\"\">Choose one</option>");
    for (v, label) in choices {
        let code = value(*v);
        let sel = if code == selected { " selected" } else { "" };
        s.push_str(&format!("<option value=\"{code}\"{sel}>{}</option>", esc(label)));
    }
    s
}

fn form_page(org: &str, slug: &str, error: Option<&str>, f: &IntakeForm) -> Response {
    let ages = [
        ("", "I'd rather not say"),
        ("<20", "Under 20"),
        ("20-29", "20 to 29"),
        ("30-39", "30 to 39"),
        ("40-49", "40 to 49"),
        ("50-59", "50 to 59"),
        ("60-69", "60 to 69"),
        ("70-79", "70 to 79"),
        ("80+", "80 or older"),
    ];
    let age_opts: String = ages
        .iter()
        .map(|(v, l)| {
            let sel = if *v == f.age_bracket { " selected" } else { "" };
            format!("<option value=\"{}\"{sel}>{l}</option>", esc(v))
        })
        .collect();
    let error =
        error.map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", esc(e))).unwrap_or_default();
    let body = format!(
        "<h1>Report a scam to {org}</h1>\
<p>Tell us what happened. You do not have to answer every question. What you tell us helps stop the people who did this.</p>\
{error}<form method=\"post\" action=\"/intake/{slug}\">\
<label for=\"scam_type\">What kind of scam was it?</label><select id=\"scam_type\" name=\"scam_type\" required>{scam}</select>\
<label for=\"contact_method\">How did they first contact you?</label><select id=\"contact_method\" name=\"contact_method\">{contact}</select>\
<label for=\"narrative\">What happened? <span class=\"hint\">In your own words. Please do not write your own name or address here.</span></label><textarea id=\"narrative\" name=\"narrative\">{narrative}</textarea>\
<label for=\"details\">Phone numbers, websites, e-mail addresses or account numbers they used <span class=\"hint\">One per line, if you have them.</span></label><textarea id=\"details\" name=\"details\">{details}</textarea>\
<fieldset><legend><label>Did you lose money?</label></legend>\
<label for=\"amount\">How much? <span class=\"hint\">For example 1500 or 249.99</span></label><input id=\"amount\" name=\"amount\" inputmode=\"decimal\" value=\"{amount}\">\
<label for=\"currency\">Currency</label><input id=\"currency\" name=\"currency\" value=\"{currency}\" maxlength=\"10\" autocomplete=\"off\">\
<label for=\"payment_method\">How did you pay?</label><select id=\"payment_method\" name=\"payment_method\">{payment}</select></fieldset>\
<label for=\"age_bracket\">Your age</label><select id=\"age_bracket\" name=\"age_bracket\">{age_opts}</select>\
<label for=\"country\">Country <span class=\"hint\">Two letters, for example GB or US</span></label><input id=\"country\" name=\"country\" value=\"{country}\" maxlength=\"2\" autocomplete=\"country\">\
<h2>How can we reach you? (optional)</h2><p>Only {org} will see this. It is never shared.</p>\
<label for=\"name\">Your name</label><input id=\"name\" name=\"name\" value=\"{name}\" autocomplete=\"name\">\
<label for=\"phone\">Your phone number</label><input id=\"phone\" name=\"phone\" value=\"{phone}\" autocomplete=\"tel\" inputmode=\"tel\">\
<label for=\"email\">Your e-mail address</label><input id=\"email\" name=\"email\" value=\"{email}\" autocomplete=\"email\" inputmode=\"email\">\
<div class=\"trap\" aria-hidden=\"true\"><label for=\"website\">Leave this empty</label><input id=\"website\" name=\"website\" tabindex=\"-1\" autocomplete=\"off\"></div>\
<button type=\"submit\">Send my report</button></form>",
        org = esc(org),
        slug = esc(slug),
        scam = options(&SCAM_CHOICES, ScamType::as_str, &f.scam_type),
        contact = options(&CONTACT_CHOICES, ContactMethod::as_str, &f.contact_method),
        payment = options(&PAYMENT_CHOICES, PaymentMethod::as_str, &f.payment_method),
        narrative = esc(&f.narrative),
        details = esc(&f.details),
        amount = esc(&f.amount),
        currency = esc(&f.currency),
        country = esc(&f.country),
        name = esc(&f.name),
        phone = esc(&f.phone),
        email = esc(&f.email),
    );
    html(
        if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY },
        &format!("Report a scam to {org}"),
        &body,
    )
}

fn not_found() -> Response {
    html(
        StatusCode::NOT_FOUND,
        "Not found",
        "<h1>There is no report form here</h1><p>Please check the address you were given.</p>",
    )
}

/// The fields of the form; all optional except the scam type.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct IntakeForm {
    scam_type: String,
    contact_method: String,
    narrative: String,
    details: String,
    amount: String,
    currency: String,
    payment_method: String,
    age_bracket: String,
    country: String,
    name: String,
    phone: String,
    email: String,
    /// The honeypot: people never see it, robots fill it.
    website: String,
}

impl IntakeForm {
    fn intake(&self) -> Result<IntakeInput, String> {
        let scam_type: ScamType =
            self.scam_type.parse().map_err(|_| "Please choose what kind of scam it was.")?;
        let pick = |v: &str| (!v.trim().is_empty()).then(|| v.trim().to_string());
        let contact_method = match pick(&self.contact_method) {
            Some(c) => Some(c.parse::<ContactMethod>().map_err(|_| "Please choose how they contacted you.")?),
            None => None,
        };
        let mut losses = Vec::new();
        if let Some(a) = pick(&self.amount) {
            let amount: Amount = a
                .trim_start_matches(['$', '£', '€'])
                .parse()
                .map_err(|_| "Please write the amount as a number, for example 1500 or 249.99.")?;
            let method = match pick(&self.payment_method) {
                Some(m) => m.parse::<PaymentMethod>().map_err(|_| "Please choose how you paid.")?,
                None => PaymentMethod::Other,
            };
            let currency =
                pick(&self.currency).ok_or("Please write the currency, for example GBP, USD or EUR.")?;
            losses.push(Loss { amount, currency, method, paid_at: None, recovered: None });
        }
        let age_bracket = match pick(&self.age_bracket) {
            Some(a) => a.parse::<AgeBracket>().map_err(|_| "Please choose your age group.")?,
            None => AgeBracket::Unknown,
        };
        let mut narrative = self.narrative.trim().to_string();
        if let Some(d) = pick(&self.details) {
            narrative.push_str("\n\nDetails they used:\n");
            narrative.push_str(&d);
        }
        let pii = VictimPii {
            name: pick(&self.name),
            phone: pick(&self.phone),
            email: pick(&self.email),
            address: None,
            notes: None,
        };
        Ok(IntakeInput {
            title: None,
            narrative,
            scam: ScamDetails {
                source: SourceType::Victim,
                channel: None,
                victim: Victim { age_bracket, country: pick(&self.country), region: None },
                incident: Incident {
                    scam_type,
                    contact_method,
                    impersonated_brand: None,
                    remote_access_tool: None,
                },
                losses,
            },
            victim_pii: (!pii.is_empty()).then_some(pii),
            observables: Vec::new(),
            tlp: None,
            audience: Default::default(),
            labels: vec!["public-form".into()],
            first_seen: None,
        })
    }
}

async fn page(State(state): State<AppState>, Path(slug): Path<String>) -> Response {
    match state.engine.public_intake_org(&slug) {
        Some(org) => form_page(&org, &slug, None, &IntakeForm::default()),
        None => not_found(),
    }
}

/// Fixed-window counters of submissions.
#[derive(Default)]
pub(crate) struct Limiter(Mutex<HashMap<String, (Instant, u32)>>);

impl Limiter {
    /// Counts one submission under `key`; false when over `max` in the window.
    fn allow(&self, key: String, max: u32) -> bool {
        let mut m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if m.len() > 100_000 {
            m.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let e = m.entry(key).or_insert((now, 0));
        if now.duration_since(e.0) >= WINDOW {
            *e = (now, 0);
        }
        e.1 += 1;
        e.1 <= max
    }
}

async fn submit(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ext: axum::http::Extensions,
    Form(form): Form<IntakeForm>,
) -> Response {
    let Some(org) = state.engine.public_intake_org(&slug) else { return not_found() };
    // Served over TCP, the peer's address; in-process (tests), one shared key.
    let client =
        ext.get::<ConnectInfo<SocketAddr>>().map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string());
    if !state.limiter.allow(format!("client {client} {slug}"), PER_CLIENT)
        || !state.limiter.allow(format!("org {slug}"), PER_ORG)
    {
        return html(
            StatusCode::TOO_MANY_REQUESTS,
            "Please wait",
            "<h1>Please wait a few minutes</h1><p>We have received several reports from here just now. Please try again in ten minutes, or call us.</p>",
        );
    }
    if !form.website.is_empty() {
        // A robot: answer as if it worked, store nothing.
        return html(StatusCode::OK, "Thank you", "<h1>Thank you</h1><p>Your report has been received.</p>");
    }
    let input = match form.intake() {
        Ok(i) => i,
        Err(message) => return form_page(&org, &slug, Some(&message), &form),
    };
    match state.engine.submit_public_intake(&slug, input).await {
        Ok(id) => html(
            StatusCode::OK,
            "Thank you",
            &format!(
                "<h1>Thank you. Your report has been received.</h1><p>Your reference is <strong>{}</strong>. Please keep it if you contact {} about this.</p>\
                 <p>If you paid by bank transfer or card, call your bank now: they may be able to stop the payment.</p>",
                esc(&id.to_string()[..8]),
                esc(&org)
            ),
        ),
        Err(engine::EngineError::Invalid { field, message }) => {
            form_page(&org, &slug, Some(&format!("Please check the form ({field}: {message}).")), &form)
        }
        Err(e) => {
            tracing::error!(error = %e, "public intake failed");
            html(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Sorry",
                "<h1>Sorry, something went wrong</h1><p>Your report was not saved. Please try again later.</p>",
            )
        }
    }
}
