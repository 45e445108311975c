//! The OpenAPI 3.1 document of the API, generated from the handlers and the engine's types.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::ErrorResponse;
use crate::routes::{
    alerts, audit, check, communities, discovery, extract, graph, hashes, instance, intake, meta, misp,
    observables, orgs, reports, scams, stix, stream, tokens,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "dragnet",
        description = "A self-hosted cybercrime intelligence exchange. Every read answers only \
            what the caller's organisation may see under TLP 2.0; a hidden report answers exactly \
            like one that does not exist. Errors are `{\"error\": {\"code\", \"message\"}}` with a \
            stable snake_case code.",
        license(name = "AGPL-3.0-only", identifier = "AGPL-3.0-only"),
    ),
    paths(
        meta::healthz,
        meta::metrics,
        meta::openapi,
        orgs::list,
        orgs::create,
        communities::list,
        communities::create,
        communities::set_members,
        tokens::list,
        tokens::create,
        tokens::revoke,
        tokens::whoami,
        instance::instance,
        reports::list,
        reports::create,
        reports::batch,
        reports::get_one,
        reports::revoke,
        discovery::set_report,
        observables::lookup,
        check::check,
        discovery::create,
        discovery::incoming,
        discovery::outgoing,
        discovery::grant,
        discovery::decline,
        discovery::setting,
        discovery::set_setting,
        extract::extract,
        hashes::list,
        hashes::create,
        hashes::get_one,
        hashes::update,
        hashes::entries,
        hashes::add_entries,
        hashes::withdraw,
        hashes::sightings,
        hashes::match_hashes,
        intake::intake,
        scams::stats,
        scams::campaigns,
        scams::campaign,
        scams::hubs,
        scams::mark_hub,
        scams::unmark_hub,
        alerts::list,
        alerts::rules,
        alerts::create_rule,
        alerts::delete_rule,
        audit::list,
        graph::expand,
        graph::neighbourhood,
        graph::path,
        graph::connect,
        graph::networks,
        graph::network,
        misp::report,
        misp::campaign,
        stix::report,
        stix::campaign,
        stix::network,
        stream::stream,
    ),
    components(schemas(ErrorResponse, engine::ErrorBody, stream::StreamError)),
    modifiers(&BearerAuth),
    tags(
        (name = "reports", description = "Submit, read, list and revoke reports"),
        (name = "observables", description = "Look observables up and screen selectors"),
        (name = "access requests", description = "Hit/no-hit: discoverable reports, and asking their authors for access"),
        (name = "organizations", description = "Member organisations"),
        (name = "communities", description = "Sharing communities"),
        (name = "tokens", description = "API tokens"),
        (name = "audit", description = "The hash-chained audit log of the caller's organisation (admins)"),
        (name = "scams", description = "Scam-report intake, campaigns and statistics"),
        (name = "stream", description = "The events the caller may see, as Server-Sent Events"),
        (name = "federation", description = "This instance's identity, for peer instances pulling from it"),
        (name = "hashes", description = "Shared image and file hash lists (PDQ, MD5, SHA-256) and matching"),
        (name = "graph", description = "Link analysis: expand, neighbourhoods, paths, connecting networks, networks, communities and key nodes, with GraphML, GEXF and CSV exports"),
        (name = "misp", description = "MISP events of reports and campaigns"),
        (name = "stix", description = "STIX 2.1 bundles of reports, campaigns and networks (the TAXII 2.1 server is at /taxii2/)"),
        (name = "service", description = "Health, metrics and this document"),
    )
)]
struct ApiDoc;

/// Declares the `bearer` security scheme the authenticated routes require.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token: `Authorization: Bearer dn_…`"))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document of every route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
