// Hash matching: an image is sent to the server, hashed there in memory (PDQ with its
// rotations and mirror images, MD5, SHA-256) and matched against the hash sets you may see.
// Neither the browser nor the server keeps the image.

import { h, mount } from './h.js';
import { api, enc } from './api.js';
import { dateTime, number, table, tlp } from './format.js';

export const title = 'Hash matching';

function results(outcome) {
  return [
    h('h2', { id: 'match-heading' }, outcome.matches.length ? `${number(outcome.matches.length)} match${outcome.matches.length === 1 ? '' : 'es'}` : 'No match'),
    h('p', { class: 'muted' }, `Radius ${outcome.radius} (largest PDQ distance that matches).`),
    outcome.matches.length
      ? table(
          'Matches',
          [
            ['Hash set', (m) => m.set.name],
            ['Owner', (m) => m.set.owner],
            ['Category', (m) => m.set.category],
            ['TLP', (m) => tlp(m.set.tlp)],
            ['Distance', (m) => String(m.distance), { num: true }],
            ['Transform', (m) => m.transform || '—'],
            ['Entry', (m) => m.entry.label || h('code', null, m.entry.value)],
            ['Added', (m) => dateTime(m.entry.added_at)],
          ],
          outcome.matches,
        )
      : null,
    table(
      'Hashes of the image',
      [
        ['Kind', (q) => q.kind || '—'],
        ['Value', (q) => (q.value ? h('code', null, q.value) : '—')],
        ['Quality', (q) => (q.quality === undefined ? '—' : String(q.quality)), { num: true }],
        ['Matches', (q) => (q.error ? q.error.message : String(q.match_count)), { num: true }],
      ],
      outcome.queries,
    ),
  ];
}

export async function render(app) {
  const file = h('input', { id: 'image', name: 'image', type: 'file', accept: 'image/*', required: true, 'aria-describedby': 'image-hint' });
  const radius = h('input', { id: 'radius', name: 'radius', type: 'number', min: '0', max: '63', inputmode: 'numeric', 'aria-describedby': 'radius-hint' });
  const submit = h('button', { type: 'submit', class: 'button' }, 'Match');
  const out = h('section', { 'aria-live': 'polite', 'data-testid': 'match-result' });
  const onSubmit = async (event) => {
    event.preventDefault();
    const image = file.files && file.files[0];
    if (!image) return;
    submit.disabled = true;
    mount(out, h('p', { class: 'loading', role: 'status' }, 'Matching…'));
    try {
      const q = radius.value.trim() ? `?radius=${enc(radius.value.trim())}` : '';
      const outcome = await api(`/hashes/match${q}`, { method: 'POST', body: image, contentType: image.type || 'application/octet-stream' });
      app.clearError();
      mount(out, results(outcome));
      out.querySelector('h2').setAttribute('tabindex', '-1');
      out.querySelector('h2').focus();
    } catch (e) {
      mount(out);
      app.error(`the image was not matched: ${e.message}`);
    } finally {
      submit.disabled = false;
    }
  };
  return [
    h('h1', null, 'Hash matching'),
    h('p', null, 'Choose an image: it is hashed by the server in memory and matched against the hash sets shared with you. The image is never stored.'),
    h(
      'form',
      { class: 'form', on: { submit: onSubmit } },
      h('div', { class: 'field' }, h('label', { for: 'image' }, 'Image'), h('span', { class: 'hint', id: 'image-hint' }, 'JPEG, PNG, GIF, WebP or BMP.'), file),
      h('div', { class: 'field' }, h('label', { for: 'radius' }, 'Radius (optional)'), h('span', { class: 'hint', id: 'radius-hint' }, 'Largest PDQ distance that matches, 0 to 63; the server default is 31.'), radius),
      h('div', null, submit),
    ),
    out,
  ];
}
