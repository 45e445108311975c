// One campaign: reports linked through the scammers' shared indicators, with totals over the
// reports the caller may see.

import { h } from './h.js';
import { api, enc } from './api.js';
import { figures, periodChart } from './chart.js';
import { cards, date, facts, money, number, reportLink, searchLink, table, tlp } from './format.js';

export function title() {
  return 'Campaign';
}

function groups(caption, key, list) {
  return table(
    caption,
    [
      [key, (g) => g.key],
      ['Reports', (g) => number(g.reports), { num: true }],
      ['Losses', (g) => money(g.losses)],
    ],
    list || [],
  );
}

function weeklyTrend(weekly) {
  if (weekly.length === 0) return h('p', { class: 'muted' }, 'No scam report in this campaign.');
  const chart = periodChart({
    title: 'Scam reports in this campaign per week',
    testid: 'chart-weekly',
    period: 'week',
    periodLabel: 'Week of',
    seriesLabel: 'Reports',
    keys: weekly.map((g) => g.key),
    values: weekly.map((g) => g.reports),
    unit: 'reports',
  });
  return h(
    'figure',
    { class: 'chart', 'aria-labelledby': 'weekly-heading' },
    chart.node,
    figures(
      'Scam reports per week',
      [
        ['Week of', (g) => g.key],
        ['Reports', (g) => number(g.reports), { num: true }],
        ['Losses', (g) => money(g.losses)],
      ],
      weekly,
    ),
  );
}

export async function render(app, id) {
  const c = await api(`/campaigns/${enc(id || '')}`);
  const t = c.totals || {};
  // `reports` is the count of visible reports, `members` lists them (at most 1,000).
  const list = Array.isArray(c.members) ? c.members : [];
  const count = typeof c.reports === 'number' ? c.reports : list.length;
  return [
    h('h1', null, 'Campaign ', h('code', { 'data-testid': 'campaign-id' }, c.id)),
    list.length ? h('p', null, h('a', { href: `#/graph/${enc(`report:${list[0].id}`)}`, 'data-testid': 'campaign-graph' }, 'Open in the graph explorer')) : null,
    cards([
      [list.length >= 1000 ? 'reports you can see (the first 1,000 listed)' : 'reports you can see', number(count), 'campaign-reports'],
      ['scam reports', number(c.scam_reports)],
      ['victims aged 60 and over', number(c.victims_60_plus)],
      ['organisations', number((c.organizations || []).length)],
    ]),
    facts([
      ['Scam type', c.scam_type],
      ['Losses', money(c.losses)],
      ['First seen', date(c.first_seen)],
      ['Last seen', date(c.last_seen)],
      ['Organisations', (c.organizations || []).join(', ')],
    ]),
    h('h2', { id: 'weekly-heading' }, 'Weekly trend'),
    weeklyTrend(c.weekly || []),
    h('h2', null, 'Victims and payments'),
    groups('Age brackets', 'Age bracket', t.by_age_bracket),
    groups('Payment methods', 'Payment method', t.by_payment_method),
    groups('Scam types', 'Scam type', t.by_scam_type),
    h('h2', null, 'Indicators'),
    table(
      'Indicators linking the reports',
      [
        ['Kind', (i) => i.kind],
        ['Value', (i) => searchLink(i.value, i.value, i.kind)],
        ['Reports', (i) => number(i.reports), { num: true }],
      ],
      c.indicators || [],
    ),
    h('h2', null, 'Reports'),
    table(
      'Reports in this campaign',
      [
        ['Title', (r) => reportLink(r.id, r.title || r.id)],
        ['Organisation', (r) => r.organization],
        ['TLP', (r) => tlp(r.tlp)],
        ['First seen', (r) => date(r.first_seen)],
      ],
      list,
    ),
  ];
}
