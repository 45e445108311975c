//! Scam intake over HTTP: intake tokens submit and read nothing; intake facts are shared like
//! the report; the victim's personal data only ever reaches the reporting organisation.

use axum::http::StatusCode;
use model::Role;
use serde_json::{Value, json};

use crate::harness::{AUTHOR, Env, MEMBER, NAMED, OUTSIDER};

pub const VICTIM_NAME: &str = "Edna Whitfield-Okonkwo";
pub const VICTIM_PHONE: &str = "+44 20 7946 0321";
pub const VICTIM_NOTES: &str = "daughter Mary handles her banking";

pub fn intake_body(tlp: &str) -> Value {
    json!({
        "narrative": "A pop-up said my computer was infected and to call +1 888 839 1214. They had me install AnyDesk and buy gift cards.",
        "tlp": tlp,
        "scam": {
            "source": "victim", "channel": "hotline",
            "victim": {"age_bracket": "80+", "country": "gb"},
            "incident": {"scam_type": "tech-support", "contact_method": "pop-up", "impersonated_brand": "Microsoft", "remote_access_tool": "AnyDesk"},
            "losses": [{"amount": "1500.00", "currency": "GBP", "method": "gift-card"},
                       {"amount": "0.02500000", "currency": "BTC", "method": "crypto-atm", "recovered": "0.005"}]
        },
        "victim_pii": {"name": VICTIM_NAME, "phone": VICTIM_PHONE, "notes": VICTIM_NOTES}
    })
}

/// Asserts that no personal datum of the victim is in an answer's body.
#[track_caller]
pub fn assert_no_pii(what: &str, body: &str) {
    for needle in [VICTIM_NAME, VICTIM_NOTES, "7946 0321", "+442079460321", "victim_pii"] {
        assert!(!body.contains(needle), "{what} leaks {needle:?}: {body}");
    }
}

#[tokio::test]
async fn intake_tokens_submit_and_pii_stays_with_the_reporter() {
    let env = Env::new().await;
    let intake =
        env.engine.create_token(None, AUTHOR, Role::Intake, "hotline form", None).await.unwrap().token;

    let r =
        env.post("/api/v1/intake", &intake, &intake_body("GREEN")).await.expect(StatusCode::CREATED).json();
    let id = r["id"].as_str().unwrap().to_string();
    assert_eq!(r["kind"], "scam");
    assert_eq!(r["title"], "tech-support scam by pop-up posing as Microsoft");
    assert_eq!(r["scam"]["victim"]["country"], "GB");
    assert_eq!(r["scam"]["losses"][1]["amount"], "0.025");
    assert_eq!(r["victim_pii"]["name"], VICTIM_NAME, "the reporter sees what it sent");
    let values: Vec<&str> =
        r["observables"].as_array().unwrap().iter().map(|o| o["value"].as_str().unwrap()).collect();
    assert!(values.contains(&"+18888391214"), "extracted from the narrative: {values:?}");

    // An intake token reads nothing.
    env.get("/api/v1/reports", &intake).await.expect_error(StatusCode::FORBIDDEN, "forbidden");
    env.get(&format!("/api/v1/reports/{id}"), &intake).await.expect_error(StatusCode::FORBIDDEN, "forbidden");
    env.post("/api/v1/check", &intake, &json!({"selectors": [{"value": "+18888391214"}]}))
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");

    // The reporter's own readers see the victim data; nobody else does, on any read.
    let own = env
        .get(&format!("/api/v1/reports/{id}"), env.token(AUTHOR, Role::Reader))
        .await
        .expect(StatusCode::OK);
    assert_eq!(own.json()["victim_pii"]["phone"], VICTIM_PHONE);
    for org in [NAMED, MEMBER, OUTSIDER] {
        let one = env.get(&format!("/api/v1/reports/{id}"), env.analyst(org)).await.expect(StatusCode::OK);
        assert_eq!(one.json()["scam"]["victim"]["age_bracket"], "80+", "intake facts are shared");
        assert_no_pii("report get", &one.text());
        let list = env.get("/api/v1/reports?kind=scam", env.analyst(org)).await.expect(StatusCode::OK);
        assert_eq!(list.json()["items"].as_array().unwrap().len(), 1);
        assert_no_pii("report list", &list.text());
        let lookup = env
            .get("/api/v1/observables/phone/%2B18888391214", env.analyst(org))
            .await
            .expect(StatusCode::OK);
        assert_no_pii("lookup", &lookup.text());
    }

    // Without a TLP: AMBER to the reporter's communities (the author is in none: its own only).
    let mut body = intake_body("GREEN");
    body.as_object_mut().unwrap().remove("tlp");
    let r = env.post("/api/v1/intake", &intake, &body).await.expect(StatusCode::CREATED).json();
    assert_eq!(r["tlp"], "AMBER");
    env.get(&format!("/api/v1/reports/{}", r["id"].as_str().unwrap()), env.analyst(OUTSIDER))
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");

    // Bad input names the field; floats are refused.
    let mut bad = intake_body("GREEN");
    bad["scam"]["losses"][0]["amount"] = json!(12.5);
    let e = env
        .post("/api/v1/intake", &intake, &bad)
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    assert!(e.message().contains("never floats"), "{}", e.message());
    let mut bad = intake_body("GREEN");
    bad["scam"]["victim"]["country"] = json!("Britain");
    let e = env
        .post("/api/v1/intake", &intake, &bad)
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    assert!(e.message().starts_with("scam.victim.country: "), "{}", e.message());
    // Intake facts only on scam reports.
    let e = env
        .post(
            "/api/v1/reports",
            env.analyst(AUTHOR),
            &json!({"kind": "intel", "title": "t", "tlp": "GREEN", "victim_pii": {"name": "x"}}),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    assert!(e.message().starts_with("victim_pii: "), "{}", e.message());
    // Readers may not submit.
    env.post("/api/v1/intake", env.token(NAMED, Role::Reader), &intake_body("GREEN"))
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
}

#[tokio::test]
async fn scam_stats_count_only_visible_reports() {
    let env = Env::new().await;
    let t = env.analyst(AUTHOR);
    // Two GREEN reports everyone sees, one RED report only the author and NAMED see.
    let mut a = intake_body("GREEN");
    a["scam"]["victim"]["age_bracket"] = json!("60-69");
    a["first_seen"] = json!("2026-03-02T10:00:00Z");
    let mut b = intake_body("GREEN");
    b["scam"]["incident"]["scam_type"] = json!("romance");
    b["scam"]["victim"]["age_bracket"] = json!("40-49");
    b["scam"]["losses"] = json!([{"amount": "0.10", "currency": "GBP", "method": "wire"}]);
    b["first_seen"] = json!("2026-05-20T10:00:00Z");
    let mut c = intake_body("RED");
    c["audience"] = json!({"organizations": [NAMED]});
    c["first_seen"] = json!("2026-04-10T10:00:00Z");
    for body in [&a, &b, &c] {
        env.post("/api/v1/intake", t, body).await.expect(StatusCode::CREATED);
    }
    let outsider = env.get("/api/v1/stats/scams", env.analyst(OUTSIDER)).await.expect(StatusCode::OK);
    assert_no_pii("stats", &outsider.text());
    let s = outsider.json();
    assert_eq!(s["reports"], 2);
    assert_eq!(s["victims_60_plus"], 1);
    assert_eq!(s["share_60_plus"], 0.5);
    let gbp = s["losses"].as_array().unwrap().iter().find(|m| m["currency"] == "GBP").unwrap().clone();
    assert_eq!((gbp["amount"].as_str(), gbp["recovered"].as_str()), (Some("1500.10"), Some("0.00")));
    let btc = s["losses"].as_array().unwrap().iter().find(|m| m["currency"] == "BTC").unwrap().clone();
    assert_eq!((btc["amount"].as_str(), btc["recovered"].as_str()), (Some("0.025"), Some("0.005")));
    let months: Vec<(&str, u64)> = s["over_time"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap(), g["reports"].as_u64().unwrap()))
        .collect();
    assert_eq!(months, vec![("2026-03-01", 1), ("2026-04-01", 0), ("2026-05-01", 1)]);
    assert_eq!(s["by_scam_type"][0]["reports"], 1);

    let named = env
        .get("/api/v1/stats/scams?interval=week&scam_type=tech-support", env.analyst(NAMED))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(named["reports"], 2, "the RED report is counted for the organisation it names");
    assert_eq!(named["interval"], "week");
    assert_eq!(named["over_time"][0]["key"], "2026-03-02", "weeks start on Mondays");
    // Days, with the losses of each day; the RED report's day is a day without reports for
    // the outsider, not a day it may not see.
    let days = env
        .get("/api/v1/stats/scams?interval=day", env.analyst(OUTSIDER))
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(days["interval"], "day");
    let over = days["over_time"].as_array().unwrap();
    assert_eq!(over.len(), 80, "2026-03-02 to 2026-05-20, every day");
    assert_eq!((over[0]["key"].as_str(), over[0]["reports"].as_u64()), (Some("2026-03-02"), Some(1)));
    let april_10 = over.iter().find(|g| g["key"] == "2026-04-10").unwrap();
    assert_eq!(
        (april_10["reports"].as_u64(), april_10["losses"].as_array().map(Vec::len)),
        (Some(0), Some(0))
    );
    let last = &over[79];
    assert_eq!((last["key"].as_str(), last["reports"].as_u64()), (Some("2026-05-20"), Some(1)));
    assert_eq!(last["losses"], json!([{"currency": "GBP", "amount": "0.10", "recovered": "0.00"}]));
    let per_day: u64 = over.iter().map(|g| g["reports"].as_u64().unwrap()).sum();
    assert_eq!(per_day, 2);
    let e = env
        .get("/api/v1/stats/scams?interval=hour", t)
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    assert!(e.message().starts_with("interval: "), "{}", e.message());
    env.get("/api/v1/stats/scams?scam_type=ponzi", t)
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
}

#[tokio::test]
async fn alerts_follow_visibility_and_no_read_path_shows_victim_data() {
    let env = Env::new().await;
    let watch = json!({"name": "scam line", "rule": {"type": "watch", "selectors": [{"value": "+1 (888) 839-1214"}], "scam_only": true}});
    let growth =
        json!({"name": "growing", "rule": {"type": "campaign-growth", "threshold": 3, "window_days": 3650}});
    for org in [NAMED, OUTSIDER] {
        let r = env
            .post("/api/v1/alerts/rules", env.analyst(org), &watch)
            .await
            .expect(StatusCode::CREATED)
            .json();
        assert_eq!(r["rule"]["selectors"][0]["value"], "+18888391214", "canonicalised");
    }
    env.post("/api/v1/alerts/rules", env.analyst(NAMED), &growth).await.expect(StatusCode::CREATED);
    env.post("/api/v1/alerts/rules", env.token(NAMED, Role::Reader), &growth)
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    let bad = json!({"name": "x", "rule": {"type": "watch", "selectors": [{"kind": "iban", "value": "GB00 0000"}]}});
    let e = env
        .post("/api/v1/alerts/rules", env.analyst(NAMED), &bad)
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_observable");
    assert!(e.message().starts_with("rule.selectors[0]"), "{}", e.message());

    // One RED report to NAMED, two GREEN: the same scam line, one campaign.
    let mut red = intake_body("RED");
    red["audience"] = json!({"organizations": [NAMED]});
    let t = env.analyst(AUTHOR);
    let mut ids = Vec::new();
    for body in [red, intake_body("GREEN"), intake_body("GREEN")] {
        ids.push(
            env.post("/api/v1/intake", t, &body).await.expect(StatusCode::CREATED).json()["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let named = env.get("/api/v1/alerts", env.analyst(NAMED)).await.expect(StatusCode::OK);
    assert_no_pii("alerts", &named.text());
    let items = named.json()["items"].as_array().unwrap().clone();
    let watch_alerts: Vec<&Value> = items.iter().filter(|a| a["report_id"].is_string()).collect();
    assert_eq!(watch_alerts.len(), 3, "{items:?}");
    assert_eq!(watch_alerts[0]["selector"], "phone:+18888391214");
    let growth_alerts: Vec<&Value> = items.iter().filter(|a| a["campaign"].is_string()).collect();
    assert_eq!(growth_alerts.len(), 1, "fires once: {items:?}");
    let outsider = env.get("/api/v1/alerts", env.analyst(OUTSIDER)).await.expect(StatusCode::OK).json();
    let seen: Vec<&str> =
        outsider["items"].as_array().unwrap().iter().map(|a| a["report_id"].as_str().unwrap()).collect();
    assert_eq!(seen, vec![ids[1].as_str(), ids[2].as_str()], "never the RED report it may not see");
    assert!(
        env.get("/api/v1/alerts", env.analyst(AUTHOR)).await.json()["items"].as_array().unwrap().is_empty()
    );

    // Campaign views and stats never hold victim data, for anyone (the reporter included).
    for org in [AUTHOR, NAMED, OUTSIDER, MEMBER] {
        let list = env
            .get("/api/v1/campaigns?selector=%2B18888391214", env.analyst(org))
            .await
            .expect(StatusCode::OK);
        assert_no_pii("campaign list", &list.text());
        if let Some(c) = list.json()["items"].as_array().unwrap().first() {
            let one = env
                .get(&format!("/api/v1/campaigns/{}", c["id"].as_str().unwrap()), env.analyst(org))
                .await
                .expect(StatusCode::OK);
            assert_no_pii("campaign", &one.text());
            let expected = if org == NAMED || org == AUTHOR { 3 } else { 2 };
            // `reports` counts them and `members` lists them (they once shared the key).
            assert_eq!(one.json()["reports"], expected, "{org}");
            assert_eq!(one.json()["members"].as_array().unwrap().len(), expected, "{org}");
        }
        assert_no_pii("stats", &env.get("/api/v1/stats/scams", env.analyst(org)).await.text());
    }

    // Deleting a rule stops it; its alerts stay.
    let rules = env.get("/api/v1/alerts/rules", env.analyst(OUTSIDER)).await.json();
    let rid = rules["items"][0]["id"].as_str().unwrap().to_string();
    env.call(
        axum::http::Method::DELETE,
        &format!("/api/v1/alerts/rules/{rid}"),
        Some(env.analyst(NAMED)),
        None,
    )
    .await
    .expect_error(StatusCode::NOT_FOUND, "not_found");
    let r = env
        .call(
            axum::http::Method::DELETE,
            &format!("/api/v1/alerts/rules/{rid}"),
            Some(env.analyst(OUTSIDER)),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    env.post("/api/v1/intake", t, &intake_body("GREEN")).await.expect(StatusCode::CREATED);
    let outsider = env.get("/api/v1/alerts", env.analyst(OUTSIDER)).await.json();
    assert_eq!(outsider["items"].as_array().unwrap().len(), 2);
}

async fn form_post(env: &Env, uri: &str, body: &str) -> crate::harness::Resp {
    let req = axum::http::Request::post(uri)
        .header(axum::http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    env.send(req).await
}

#[tokio::test]
async fn the_public_form_takes_reports_for_its_organisation_only() {
    let options = engine::EngineOptions { public_intake: vec![AUTHOR.to_string()], ..Default::default() };
    let env = Env::with_options(options).await;
    let slug = engine::intake_slug(AUTHOR);
    assert_eq!(slug, "author-org");
    let page =
        env.call(axum::http::Method::GET, "/intake/author-org", None, None).await.expect(StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("<label for=\"scam_type\">")
            && html.contains("<select id=\"scam_type\" name=\"scam_type\" required>")
    );
    assert!(html.contains("lang=\"en\"") && !html.contains("<script"), "plain, accessible html");
    assert!(
        page.headers[axum::http::header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("form-action 'self'")
    );
    env.call(axum::http::Method::GET, "/intake/named-org", None, None).await.expect(StatusCode::NOT_FOUND);
    env.call(axum::http::Method::GET, "/intake/form.css", None, None).await.expect(StatusCode::OK);

    // A victim's report: stored for the author as its web-form channel, victim data apart.
    let body = "scam_type=tech-support&contact_method=pop-up&narrative=call+%2B1+888+839+1214&amount=%C2%A3250.50&currency=gbp&payment_method=gift-card&age_bracket=80%2B&country=gb&name=Edna+Whitfield-Okonkwo&phone=%2B44+20+7946+0321&website=";
    let r = form_post(&env, "/intake/author-org", body).await.expect(StatusCode::OK);
    assert!(r.text().contains("Your reference is"), "{}", r.text());
    let list = env.get("/api/v1/reports", env.analyst(AUTHOR)).await.json();
    let report = &list["items"][0];
    assert_eq!(report["scam"]["channel"], "web-form");
    assert_eq!(report["scam"]["losses"][0]["amount"], "250.50");
    assert_eq!(report["victim_pii"]["name"], VICTIM_NAME);
    assert_eq!(report["tlp"], "AMBER");
    let values: Vec<&str> =
        report["observables"].as_array().unwrap().iter().map(|o| o["value"].as_str().unwrap()).collect();
    assert_eq!(values, vec!["+18888391214"], "the scammer's number, never the victim's");
    assert!(
        env.get("/api/v1/reports", env.analyst(NAMED)).await.json()["items"].as_array().unwrap().is_empty()
    );

    // Mistakes come back as the form, filled in, with a plain message; nothing is stored.
    let r =
        form_post(&env, "/intake/author-org", "scam_type=tech-support&amount=lots&narrative=%3Cscript%3E")
            .await;
    let r = r.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("role=\"alert\"")
            && r.text().contains("&lt;script&gt;")
            && !r.text().contains("<script>")
    );
    // Robots filling the hidden field are thanked and ignored.
    form_post(&env, "/intake/author-org", "scam_type=romance&website=http%3A%2F%2Fspam")
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        env.get("/api/v1/reports", env.analyst(AUTHOR)).await.json()["items"].as_array().unwrap().len(),
        1
    );
    // Rate limit: five submissions per client per ten minutes (three were counted above).
    form_post(&env, "/intake/author-org", "scam_type=romance").await.expect(StatusCode::OK);
    form_post(&env, "/intake/author-org", "scam_type=romance").await.expect(StatusCode::OK);
    form_post(&env, "/intake/author-org", "scam_type=romance").await.expect(StatusCode::TOO_MANY_REQUESTS);
    form_post(&env, "/intake/named-org", "scam_type=romance").await.expect(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn operator_marks_stop_a_value_linking_campaigns() {
    let env = Env::new().await;
    let t = env.analyst(AUTHOR);
    // Two reports whose only shared value is the hotline's own number.
    let mut a = intake_body("GREEN");
    a["narrative"] = json!("victim called us back on +1 (202) 555-0111 after the call from +1 888 839 1214");
    let mut b = intake_body("GREEN");
    b["narrative"] =
        json!("call us on +1 (202) 555-0111; the scammer's IBAN was GB33 BUKB 2020 1555 5555 55");
    for body in [&a, &b] {
        env.post("/api/v1/intake", t, body).await.expect(StatusCode::CREATED);
    }
    let sizes = |v: Value| -> Vec<u64> {
        v["items"].as_array().unwrap().iter().map(|c| c["reports"].as_u64().unwrap()).collect()
    };
    assert_eq!(
        sizes(env.get("/api/v1/campaigns", t).await.json()),
        vec![2],
        "linked through the shared number"
    );
    let op = env.token(crate::harness::OPERATOR, Role::Admin);
    env.post("/api/v1/campaigns/hubs", t, &json!({"value": "+1 202 555 0111", "reason": "x"}))
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    let r = env
        .post(
            "/api/v1/campaigns/hubs",
            op,
            &json!({"value": "+1 202 555 0111", "reason": "the hotline's own number"}),
        )
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!((r["value"].as_str(), r["reports"].as_u64()), (Some("+12025550111"), Some(2)));
    assert!(sizes(env.get("/api/v1/campaigns", t).await.json()).is_empty(), "no campaign of two any more");
    let hubs = env.get("/api/v1/campaigns/hubs", op).await.expect(StatusCode::OK).json();
    assert!(
        hubs["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["reason"] == "marked" && h["value"] == "+12025550111")
    );
    env.get("/api/v1/campaigns/hubs", t).await.expect_error(StatusCode::FORBIDDEN, "forbidden");
    let r = env
        .call(axum::http::Method::DELETE, "/api/v1/campaigns/hubs/phone/%2B12025550111", Some(op), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(sizes(env.get("/api/v1/campaigns", t).await.json()), vec![2]);
}
