// The dashboard: scam totals over the visible reports, reports per week, the largest
// campaigns and the newest reports.

import { h } from './h.js';
import { api } from './api.js';
import { barChart } from './chart.js';
import { cards, campaignLink, date, money, number, reportLink, table, tlp } from './format.js';

export const title = 'Dashboard';

export async function render() {
  const [stats, campaigns, reports] = await Promise.all([
    api('/stats/scams?interval=week'),
    api('/campaigns?limit=10'),
    api('/reports?limit=10'),
  ]);
  const weeks = (stats.over_time || []).slice(-26);
  return [
    h('h1', null, 'Dashboard'),
    cards([
      ['scam reports you can see', number(stats.reports), 'stat-reports'],
      ['victims aged 60 and over', number(stats.victims_60_plus), 'stat-60plus'],
      ['share aged 60 and over', `${Math.round((stats.share_60_plus || 0) * 100)}%`, 'stat-share'],
      ['reports in the largest campaign', campaigns.items.length ? number(campaigns.items[0].reports) : '0', 'stat-largest'],
    ]),
    h('p', null, 'Losses: ', money(stats.losses)),
    h('h2', null, 'Scam reports per week'),
    barChart('Scam reports per week, last 26 weeks', weeks.map((g) => ({ label: g.key, value: g.reports }))),
    h('h2', null, 'Largest campaigns'),
    campaigns.items.length
      ? table(
          'Campaigns, largest first',
          [
            ['Campaign', (c) => campaignLink(c.id)],
            ['Reports', (c) => number(c.reports), { num: true }],
            ['Scam type', (c) => c.scam_type || '—'],
            ['Victims 60+', (c) => number(c.victims_60_plus), { num: true }],
            ['Losses', (c) => money(c.losses)],
            ['Last seen', (c) => date(c.last_seen)],
          ],
          campaigns.items,
        )
      : h('p', { class: 'muted' }, 'No campaign among the reports you can see.'),
    h('h2', null, 'Newest reports'),
    reports.items.length
      ? table(
          'Newest reports you can see',
          [
            ['Title', (r) => reportLink(r.id, r.title || r.id)],
            ['Organisation', (r) => r.author],
            ['TLP', (r) => tlp(r.tlp)],
            ['Kind', (r) => r.kind],
            ['Created', (r) => date(r.created_at)],
          ],
          reports.items,
        )
      : h('p', { class: 'muted' }, 'No report yet.'),
    h('h2', null, 'By scam type'),
    table(
      'Scam reports by type',
      [
        ['Scam type', (g) => g.key],
        ['Reports', (g) => number(g.reports), { num: true }],
        ['Losses', (g) => money(g.losses)],
      ],
      stats.by_scam_type || [],
    ),
  ];
}
