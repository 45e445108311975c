// Small formatting helpers shared by the pages. They return nodes or plain strings.

import { h } from './h.js';

export function date(value) {
  if (!value) return '—';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return d.toISOString().slice(0, 10);
}

export function dateTime(value) {
  if (!value) return '—';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function number(n) {
  return typeof n === 'number' ? n.toLocaleString('en-GB') : String(n ?? '—');
}

// "1250.00 USD, 0.5 BTC"
export function money(list) {
  if (!list || list.length === 0) return 'none';
  return list.map((m) => `${m.amount} ${m.currency}`).join(', ');
}

export function tlp(value) {
  const name = String(value || '').toUpperCase();
  const cls = `badge tlp-${name.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  return h('span', { class: cls }, `TLP:${name}`);
}

export function reportLink(id, text) {
  return h('a', { href: `#/report/${encodeURIComponent(id)}` }, text ?? id);
}

export function campaignLink(id, text) {
  return h('a', { href: `#/campaign/${encodeURIComponent(id)}` }, text ?? id);
}

export function searchLink(value, text, kind) {
  const k = kind ? `/${encodeURIComponent(kind)}` : '';
  return h('a', { href: `#/search/${encodeURIComponent(value)}${k}` }, text ?? value);
}

// A table: columns are [heading, cell(row) -> node or text, {num: true}?].
export function table(caption, columns, rows) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      null,
      h('caption', null, caption),
      h('thead', null, h('tr', null, columns.map(([name, , opt]) => h('th', { scope: 'col', class: opt && opt.num ? 'num' : null }, name)))),
      h(
        'tbody',
        null,
        rows.map((row) => h('tr', null, columns.map(([, cell, opt]) => h('td', { class: opt && opt.num ? 'num' : null }, cell(row))))),
      ),
    ),
  );
}

// A definition list from [term, value] pairs; pairs with a null value are left out.
export function facts(pairs) {
  return h(
    'dl',
    { class: 'facts' },
    pairs.filter(([, v]) => v !== null && v !== undefined && v !== '').map(([k, v]) => [h('dt', null, k), h('dd', null, v)]),
  );
}

export function cards(items) {
  return h(
    'ul',
    { class: 'cards' },
    items.map(([label, figure, testid]) =>
      h('li', { class: 'card', 'data-testid': testid || null }, h('span', { class: 'figure' }, figure), h('span', { class: 'label' }, label)),
    ),
  );
}
