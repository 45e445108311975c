// One report as the caller may see it: marking, audience, labels, narrative, observables,
// for scam reports the intake facts (victim data only for the reporting organisation), and for
// a report imported from a peer instance its provenance.

import { h } from './h.js';
import { api, enc } from './api.js';
import { date, dateTime, facts, searchLink, table, tlp } from './format.js';

export function title() {
  return 'Report';
}

function scamFacts(scam) {
  const v = scam.victim || {};
  const i = scam.incident || {};
  return [
    h('h2', null, 'Scam'),
    facts([
      ['Scam type', i.scam_type],
      ['Contact method', i.contact_method],
      ['Impersonated brand', i.impersonated_brand],
      ['Remote-access tool', i.remote_access_tool],
      ['Source', scam.source],
      ['Channel', scam.channel],
      ['Victim age', v.age_bracket],
      ['Victim country', v.country],
      ['Victim region', v.region],
    ]),
    scam.losses && scam.losses.length
      ? table(
          'Losses',
          [
            ['Amount', (l) => l.amount, { num: true }],
            ['Currency', (l) => l.currency],
            ['Payment method', (l) => l.method],
            ['Paid', (l) => (l.paid_at ? date(l.paid_at) : '—')],
            ['Recovered', (l) => l.recovered || '—', { num: true }],
          ],
          scam.losses,
        )
      : h('p', { class: 'muted' }, 'No loss reported.'),
  ];
}

// Where a report imported from a peer instance comes from (federation).
function provenance(p) {
  const chain = (p.chain || []).join(' → ');
  return [
    h('h2', null, 'Provenance'),
    h(
      'div',
      { 'data-testid': 'provenance' },
      facts([
        ['Written on', p.origin_name ? `${p.origin_name} (${p.origin_instance})` : p.origin_instance],
        ['Original author', p.original_author],
        ['Original report id', h('code', null, p.original_report_id)],
        ['Pulled from', `${p.peer_name} (${p.peer_instance})`],
        ['Peer URL', p.peer_url || null],
        ['Report id on the peer', h('code', null, p.peer_report_id)],
        ['Instances traversed', chain || null],
        ['Imported', dateTime(p.imported_at)],
      ]),
    ),
  ];
}

export async function render(app, id) {
  const r = await api(`/reports/${enc(id || '')}`);
  const audience = [...(r.audience.organizations || []), ...(r.audience.communities || [])];
  return [
    h('h1', { 'data-testid': 'report-title' }, r.title || '(untitled report)'),
    facts([
      ['Marking', tlp(r.tlp)],
      ['Kind', r.kind],
      ['Organisation', r.author],
      ['Audience', audience.length ? audience.join(', ') : null],
      ['Created', dateTime(r.created_at)],
      ['First seen', r.first_seen ? date(r.first_seen) : null],
      ['Last seen', r.last_seen ? date(r.last_seen) : null],
      ['Revoked', r.revoked_at ? dateTime(r.revoked_at) : null],
      ['Report id', h('code', null, r.id)],
    ]),
    r.labels && r.labels.length
      ? [h('h2', null, 'Labels'), h('ul', { class: 'labels', 'data-testid': 'labels' }, r.labels.map((l) => h('li', null, l)))]
      : null,
    r.narrative ? [h('h2', null, 'Narrative'), h('p', { class: 'narrative', 'data-testid': 'narrative' }, r.narrative)] : null,
    h('h2', null, 'Observables'),
    r.observables.length
      ? table(
          'Observables, canonicalised',
          [
            ['Kind', (o) => o.kind],
            ['Value', (o) => searchLink(o.value, o.value, o.kind)],
            ['Role', (o) => o.role || '—'],
            ['As written', (o) => o.original || '—'],
          ],
          r.observables,
        )
      : h('p', { class: 'muted' }, 'No observable.'),
    r.scam ? scamFacts(r.scam) : null,
    r.provenance ? provenance(r.provenance) : null,
    r.victim_pii
      ? [
          h('h2', null, 'Victim (your organisation only)'),
          facts([
            ['Name', r.victim_pii.name],
            ['Phone', r.victim_pii.phone],
            ['E-mail', r.victim_pii.email],
            ['Address', r.victim_pii.address],
            ['Notes', r.victim_pii.notes],
          ]),
        ]
      : null,
  ];
}
