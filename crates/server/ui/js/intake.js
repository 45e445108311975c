// The intake form for hotline staff: one scam report with its intake facts
// (POST /api/v1/intake). Indicators are also extracted from the narrative by the server.

import { h } from './h.js';
import { api } from './api.js';

export const title = 'Intake';

const SCAM_TYPES = [
  'tech-support', 'government-impersonation', 'business-impersonation', 'family-grandparent', 'romance',
  'investment-crypto', 'lottery-inheritance', 'advance-fee', 'online-shopping', 'employment',
  'extortion-sextortion', 'phishing', 'bec', 'recovery-scam', 'courier-cash-pickup', 'other',
];
const SOURCES = ['victim', 'third-party', 'institution'];
const CHANNELS = ['hotline', 'web-form', 'bank', 'police', 'platform'];
const CONTACTS = ['phone-call', 'sms', 'e-mail', 'social-media', 'messaging-app', 'website', 'pop-up', 'search-ad', 'mail', 'in-person'];
const AGES = ['unknown', '<20', '20-29', '30-39', '40-49', '50-59', '60-69', '70-79', '80+'];
const METHODS = ['bank-transfer', 'wire', 'p2p-app', 'crypto', 'crypto-atm', 'gift-card', 'cash', 'courier', 'gold', 'cheque', 'money-order', 'card', 'other'];
const TLPS = ['', 'CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'];

function field(id, label, control, hint) {
  control.id = id;
  if (hint) control.setAttribute('aria-describedby', `${id}-hint`);
  return h('div', { class: 'field' }, h('label', { for: id }, label), hint ? h('span', { class: 'hint', id: `${id}-hint` }, hint) : null, control);
}

function select(name, options, empty) {
  return h('select', { name }, empty ? h('option', { value: '' }, empty) : null, options.map((o) => h('option', { value: o }, o || 'default')));
}

export async function render(app) {
  const f = {
    title: h('input', { name: 'title', type: 'text', maxlength: '300' }),
    narrative: h('textarea', { name: 'narrative', rows: '8' }),
    scamType: select('scam_type', SCAM_TYPES),
    source: select('source', SOURCES),
    channel: select('channel', CHANNELS, 'not given'),
    contact: select('contact_method', CONTACTS, 'not given'),
    brand: h('input', { name: 'impersonated_brand', type: 'text' }),
    age: select('age_bracket', AGES),
    country: h('input', { name: 'country', type: 'text', maxlength: '2', autocomplete: 'off' }),
    amount: h('input', { name: 'amount', type: 'text', inputmode: 'decimal', autocomplete: 'off' }),
    currency: h('input', { name: 'currency', type: 'text', value: 'USD', autocomplete: 'off' }),
    method: select('method', METHODS),
    observables: h('textarea', { name: 'observables', rows: '4', spellcheck: 'false' }),
    labels: h('input', { name: 'labels', type: 'text', autocomplete: 'off' }),
    tlp: select('tlp', TLPS.slice(1), 'default: AMBER to your communities'),
  };
  const submit = h('button', { type: 'submit', class: 'button' }, 'Submit report');
  const onSubmit = async (event) => {
    event.preventDefault();
    const opt = (el) => el.value.trim() || undefined;
    const body = {
      title: opt(f.title),
      narrative: f.narrative.value,
      scam: {
        source: f.source.value,
        channel: opt(f.channel),
        victim: { age_bracket: f.age.value, country: opt(f.country) },
        incident: { scam_type: f.scamType.value, contact_method: opt(f.contact), impersonated_brand: opt(f.brand) },
        losses: opt(f.amount) ? [{ amount: f.amount.value.trim(), currency: f.currency.value.trim(), method: f.method.value }] : [],
      },
      observables: f.observables.value.split('\n').map((v) => v.trim()).filter(Boolean).map((value) => ({ value })),
      labels: f.labels.value.split(',').map((v) => v.trim()).filter(Boolean),
      tlp: opt(f.tlp),
    };
    submit.disabled = true;
    try {
      const stored = await api('/intake', { method: 'POST', body });
      app.clearError();
      app.flash = 'Report submitted.';
      app.go(`#/report/${encodeURIComponent(stored.id)}`);
    } catch (e) {
      submit.disabled = false;
      app.error(`the report was not stored: ${e.message}`);
    }
  };
  return [
    h('h1', null, 'Submit a scam report'),
    h('p', { class: 'muted' }, 'For hotline and intake staff. The victim\'s personal data does not belong here.'),
    h(
      'form',
      { class: 'form', on: { submit: onSubmit } },
      field('in-title', 'Title', f.title),
      field('in-narrative', 'What happened', f.narrative, 'In the victim\'s words. Phone numbers, sites, wallets and accounts in it are found automatically.'),
      h(
        'fieldset',
        null,
        h('legend', null, 'Incident'),
        h('div', { class: 'row' }, field('in-scam-type', 'Scam type', f.scamType), field('in-contact', 'First contact', f.contact)),
        h('div', { class: 'row' }, field('in-source', 'Reported by', f.source), field('in-channel', 'Channel', f.channel)),
        field('in-brand', 'Impersonated brand or authority', f.brand),
      ),
      h(
        'fieldset',
        null,
        h('legend', null, 'Victim'),
        h('div', { class: 'row' }, field('in-age', 'Age bracket', f.age), field('in-country', 'Country', f.country, 'Two-letter code, e.g. US')),
      ),
      h(
        'fieldset',
        null,
        h('legend', null, 'Loss'),
        h('div', { class: 'row' }, field('in-amount', 'Amount', f.amount, 'e.g. 1250.00'), field('in-currency', 'Currency or asset', f.currency), field('in-method', 'Paid by', f.method)),
      ),
      field('in-observables', 'Scammer\'s indicators', f.observables, 'One per line: phone numbers, sites, e-mail addresses, wallets, IBANs.'),
      field('in-labels', 'Labels', f.labels, 'Separated by commas.'),
      field('in-tlp', 'Sharing (TLP)', f.tlp),
      h('div', null, submit),
    ),
  ];
}
