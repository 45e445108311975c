// Search: any selector, written any way, canonicalised by the server as on ingest; its
// occurrences in the reports you may see, and the campaigns holding it.

import { h } from './h.js';
import { api, enc } from './api.js';
import { campaignLink, date, facts, money, number, reportLink, searchLink, table, tlp } from './format.js';

const KINDS = ['auto', 'phone', 'domain', 'url', 'email', 'ipv4', 'ipv6', 'iban', 'btc', 'eth', 'ltc', 'trx', 'telegram', 'md5', 'sha1', 'sha256', 'pdq', 'remote-access'];

export function title(value) {
  return value ? `Search: ${value}` : 'Search';
}

function form(app, value, kind) {
  const kindSelect = h('select', { id: 'selector-kind', name: 'kind' }, KINDS.map((k) => h('option', { value: k, selected: k === (kind || 'auto') }, k === 'auto' ? 'any (inferred)' : k)));
  const input = h('input', { id: 'selector', name: 'selector', type: 'search', value: value || '', required: true, autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'selector-hint' });
  return h(
    'form',
    {
      class: 'form',
      role: 'search',
      on: {
        submit: (event) => {
          event.preventDefault();
          const v = input.value.trim();
          const k = kindSelect.value;
          if (v) app.go(`#/search/${enc(v)}${k === 'auto' ? '' : `/${enc(k)}`}`);
        },
      },
    },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'selector' }, 'Selector'),
      h('span', { class: 'hint', id: 'selector-hint' }, 'A phone number, domain, URL, e-mail address, IP address, wallet, IBAN, handle or hash, written any way.'),
      input,
    ),
    h('div', { class: 'row' }, h('div', { class: 'field' }, h('label', { for: 'selector-kind' }, 'Kind'), kindSelect), h('div', null, h('button', { type: 'submit', class: 'button' }, 'Search'))),
  );
}

// Hit/no-hit: the selector is in reports one or more organisations made discoverable and you
// cannot read. That is all the server says; the button asks their owners for access.
function heldElsewhere(found) {
  const status = h('p', { role: 'status', 'data-testid': 'access-request-status' });
  const ask = h(
    'button',
    {
      type: 'button',
      class: 'button',
      on: {
        click: async () => {
          ask.disabled = true;
          try {
            const sent = await api('/access-requests', { method: 'POST', body: { kind: found.kind, value: found.canonical } });
            status.textContent = `Access requested (${sent.status}). The owners see your organisation's name and this selector, nothing more.`;
          } catch (e) {
            ask.disabled = false;
            status.textContent = `The request was not sent: ${e.message}`;
          }
        },
      },
    },
    'Request access',
  );
  return h(
    'div',
    { class: 'notice', 'data-testid': 'held-elsewhere' },
    h('p', null, 'Held by one or more organisations in reports you cannot read.'),
    ask,
    status,
  );
}

async function campaignsOf(value, kind) {
  try {
    return await api(`/campaigns?selector=${enc(value)}${kind ? `&kind=${enc(kind)}` : ''}&min_reports=1`);
  } catch (e) {
    if (e.status === 422) return { items: [] };
    throw e;
  }
}

export async function render(app, value, kind) {
  if (!value) return [h('h1', null, 'Search'), form(app, '', null)];
  const [found, campaigns] = await Promise.all([api(`/observables/${enc(kind || 'auto')}/${enc(value)}?limit=200`), campaignsOf(value, kind)]);
  const results = h('section', { 'aria-labelledby': 'result-heading', 'data-testid': 'search-result' });
  results.append(
    h('h2', { id: 'result-heading' }, found.count ? `Seen in ${number(found.count)} report${found.count === 1 ? '' : 's'}` : 'Not seen in any report you can see'),
    facts([
      ['Canonical form', h('code', { 'data-testid': 'canonical' }, found.canonical)],
      ['Kind', h('span', { 'data-testid': 'kind' }, found.kind)],
      ['Graph', found.count ? h('a', { href: `#/graph/${enc(`${found.kind}:${found.canonical}`)}`, 'data-testid': 'open-in-graph' }, 'Open in the graph explorer') : null],
      ['STIX id', h('code', null, found.stix_id)],
      ['First seen', found.first_seen ? date(found.first_seen) : null],
      ['Last seen', found.last_seen ? date(found.last_seen) : null],
      ['Organisations', found.organizations && found.organizations.length ? found.organizations.join(', ') : null],
      ['Flags', found.flags && found.flags.length ? found.flags.join(', ') : null],
      ['Related', found.related && found.related.length ? found.related.map((r, i) => [i ? ', ' : '', searchLink(r.value, `${r.kind}: ${r.value}`, r.kind)]) : null],
    ]),
  );
  if (found.held_elsewhere) results.append(heldElsewhere(found));
  if (found.occurrences && found.occurrences.length) {
    results.append(
      table(
        found.occurrences.length < found.count ? `Occurrences (the first ${found.occurrences.length})` : 'Occurrences',
        [
          ['Report', (o) => reportLink(o.report_id)],
          ['Kind', (o) => o.report_kind],
          ['Organisation', (o) => o.organization],
          ['TLP', (o) => tlp(o.tlp)],
          ['Role', (o) => o.role || '—'],
          ['First seen', (o) => date(o.first_seen)],
          ['Last seen', (o) => date(o.last_seen)],
        ],
        found.occurrences,
      ),
    );
  }
  results.append(
    h('h2', null, 'Campaigns'),
    campaigns.items.length
      ? table(
          'Campaigns holding this selector',
          [
            ['Campaign', (c) => campaignLink(c.id)],
            ['Reports', (c) => number(c.reports), { num: true }],
            ['Scam type', (c) => c.scam_type || '—'],
            ['Losses', (c) => money(c.losses)],
            ['Last seen', (c) => date(c.last_seen)],
          ],
          campaigns.items,
        )
      : h('p', { class: 'muted' }, 'In no campaign you can see.'),
  );
  return [h('h1', null, 'Search'), form(app, value, kind), results];
}
