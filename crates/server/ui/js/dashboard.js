// The dashboard: scam totals over the visible reports, reports per day and losses per week
// (charts with their figures in tables), the largest campaigns and the newest reports.

import { h } from './h.js';
import { api } from './api.js';
import { follow } from './stream.js';
import { figures, periodChart } from './chart.js';
import { cards, campaignLink, date, money, number, reportLink, table, tlp } from './format.js';

// The days and weeks charted: the newest 180 days and 104 weeks of the series (which ends at
// the period of the newest scam).
const DAYS = 180;
const WEEKS = 104;

function amount(v) {
  return v.toLocaleString('en-GB', { maximumFractionDigits: Math.abs(v) >= 100 ? 2 : 8 });
}

// The loss in `currency` of one period, as the API wrote it (an exact decimal), or null.
function lossIn(group, currency) {
  const m = (group.losses || []).find((l) => l.currency === currency);
  return m ? m.amount : null;
}

// The ISO 4217 currencies the browser knows (crypto assets are not among them).
const ISO_4217 = new Set(typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('currency') : []);

// Currencies lost in the series, the one lost in the most periods first, then currencies
// before crypto assets, then by name.
function currencies(series) {
  const periods = new Map();
  for (const g of series) for (const l of g.losses || []) periods.set(l.currency, (periods.get(l.currency) || 0) + 1);
  const rank = (c) => [-periods.get(c), ISO_4217.has(c) ? 0 : 1, c];
  return [...periods.keys()].sort((a, b) => {
    const [x, y] = [rank(a), rank(b)];
    return x[0] - y[0] || x[1] - y[1] || (x[2] < y[2] ? -1 : x[2] > y[2] ? 1 : 0);
  });
}

function reportsPerDay(days) {
  const chart = periodChart({
    title: 'Scam reports per day',
    testid: 'chart-daily',
    period: 'day',
    periodLabel: 'Day',
    seriesLabel: 'Reports',
    keys: days.map((g) => g.key),
    values: days.map((g) => g.reports),
    unit: 'reports',
  });
  return h(
    'figure',
    { class: 'chart', 'aria-labelledby': 'daily-heading' },
    chart.node,
    figures(
      'Scam reports per day',
      [
        ['Day', (g) => g.key],
        ['Reports', (g) => number(g.reports), { num: true }],
        ['Losses', (g) => money(g.losses)],
      ],
      days,
    ),
  );
}

function lossesPerWeek(weeks) {
  const list = currencies(weeks);
  if (list.length === 0) return h('p', { class: 'muted' }, 'No losses among the scam reports you can see.');
  const spec = (currency) => ({
    title: `${currency} lost per week`,
    testid: 'chart-losses',
    period: 'week',
    periodLabel: 'Week of',
    seriesLabel: currency,
    keys: weeks.map((g) => g.key),
    values: weeks.map((g) => Number(lossIn(g, currency) || 0)),
    style: 'line',
    unit: currency,
    format: amount,
  });
  const chart = periodChart(spec(list[0]));
  const select = h(
    'select',
    { id: 'loss-currency', name: 'currency', on: { change: () => chart.show(spec(select.value)) } },
    list.map((c) => h('option', { value: c }, c)),
  );
  return h(
    'figure',
    { class: 'chart', 'aria-labelledby': 'losses-heading' },
    h('div', { class: 'field field-inline' }, h('label', { for: 'loss-currency' }, 'Currency charted'), select),
    chart.node,
    figures(
      'Losses per week by currency',
      [
        ['Week of', (g) => g.key],
        ['Reports', (g) => number(g.reports), { num: true }],
        ...list.map((c) => [c, (g) => lossIn(g, c) || '0', { num: true }]),
      ],
      weeks,
    ),
  );
}

export const title = 'Dashboard';

// The newest events shown by the live feed.
const FEED_MAX = 50;
const FEED_TYPES = ['report.created', 'report.updated', 'report.revoked', 'alert.raised'];

// One line of the live feed (every value written as text).
function feedItem(e) {
  const d = e.data || {};
  const at = h('time', { datetime: e.at }, new Date(e.at).toISOString().slice(11, 19));
  switch (e.type) {
    case 'report.created':
      return h('li', { 'data-type': e.type }, at, ' New report ', reportLink(d.id, d.title || d.id), ` by ${d.author} `, tlp(d.tlp));
    case 'report.updated':
      return h('li', { 'data-type': e.type }, at, ' Now shared with you: ', reportLink(d.id, d.title || d.id), ` by ${d.author} `, tlp(d.tlp));
    case 'report.revoked':
      return h('li', { 'data-type': e.type }, at, ' Report revoked: ', h('code', null, d.id));
    case 'alert.raised':
      return h('li', { 'data-type': e.type }, at, ` Alert: ${d.message} `, d.report_id ? reportLink(d.report_id, 'the report') : d.campaign ? campaignLink(d.campaign) : null);
    default:
      return h('li', { 'data-type': e.type }, at, ` ${e.type}`);
  }
}

// The live feed: the events the server streams to this token from now on, newest first.
function liveFeed(app) {
  const status = h('p', { class: 'muted', role: 'status', 'data-testid': 'live-status' }, 'Connecting to the live feed…');
  const empty = h('li', { class: 'muted' }, 'Nothing new since this page was opened.');
  const list = h('ol', { class: 'feed', reversed: true, 'data-testid': 'live-feed', 'aria-label': 'Live feed, newest first' }, empty);
  const stop = follow(
    FEED_TYPES.map((t) => `type=${encodeURIComponent(t)}`).join('&'),
    (e) => {
      if (empty.isConnected) empty.remove();
      list.prepend(feedItem(e));
      while (list.children.length > FEED_MAX) list.lastElementChild.remove();
    },
    (text, ok) => {
      status.textContent = text;
      status.classList.toggle('status-error', !ok);
    },
  );
  app.onLeave(stop);
  return h('section', { 'aria-labelledby': 'live-heading' }, h('h2', { id: 'live-heading' }, 'Live feed'), status, list);
}

export async function render(app) {
  const [stats, daily, campaigns, reports] = await Promise.all([
    api('/stats/scams?interval=week'),
    api('/stats/scams?interval=day'),
    api('/campaigns?limit=10'),
    api('/reports?limit=10'),
  ]);
  const weeks = (stats.over_time || []).slice(-WEEKS);
  const days = (daily.over_time || []).slice(-DAYS);
  return [
    h('h1', null, 'Dashboard'),
    cards([
      ['scam reports you can see', number(stats.reports), 'stat-reports'],
      ['victims aged 60 and over', number(stats.victims_60_plus), 'stat-60plus'],
      ['share aged 60 and over', `${Math.round((stats.share_60_plus || 0) * 100)}%`, 'stat-share'],
      ['reports in the largest campaign', campaigns.items.length ? number(campaigns.items[0].reports) : '0', 'stat-largest'],
    ]),
    h('p', null, 'Losses: ', money(stats.losses)),
    liveFeed(app),
    h('h2', { id: 'daily-heading' }, 'Scam reports per day'),
    days.length ? reportsPerDay(days) : h('p', { class: 'muted' }, 'No scam report among the reports you can see.'),
    h('h2', { id: 'losses-heading' }, 'Losses over time'),
    lossesPerWeek(weeks),
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
