// Administration (#/admin): organisations, communities, API tokens and the access requests sent
// to the organisation. The server decides who
// may do what (organisations and communities: admins of an operator organisation; tokens:
// admins, for their own organisation, operator admins for any); the page offers the forms and
// says plainly when the server refuses (403). Names are chosen by members, so every one is
// written as text through h(). Each section has its own status line (role="status").

import { h, mount } from './h.js';
import { api, enc, session } from './api.js';
import { date, dateTime } from './format.js';

export const title = 'Administration';

const ROLES = [
  ['reader', 'reader: reads'],
  ['contributor', 'contributor: reads and submits reports'],
  ['analyst', 'analyst: also revokes its organisation\'s reports'],
  ['admin', 'admin: also manages its organisation\'s tokens'],
  ['intake', 'intake: submits scam reports only, reads nothing'],
];

// A status line; `say(text, ok)` replaces its text.
function statusLine(testid) {
  const el = h('p', { class: 'status', role: 'status', 'data-testid': testid });
  el.say = (text, ok = true) => {
    el.textContent = text;
    el.classList.toggle('status-ok', ok);
    el.classList.toggle('status-error', !ok);
  };
  return el;
}

// The words for a refused or failed call.
function failure(e, what) {
  if (e.status === 403) return `Not allowed: ${e.message}. ${what}`;
  return `Failed: ${e.message}`;
}

function hidden(text) {
  return h('span', { class: 'visually-hidden' }, text);
}

function yesNo(v) {
  return v ? 'yes' : 'no';
}

function simpleTable(caption, heads, rows) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      null,
      h('caption', null, caption),
      h('thead', null, h('tr', null, heads.map((name) => h('th', { scope: 'col' }, name)))),
      h('tbody', null, rows),
    ),
  );
}

// Checkboxes, one per organisation, in a fieldset; returns {node, chosen()}.
function memberBoxes(idPrefix, legend, orgs, checked) {
  const boxes = orgs.map((o, i) => {
    const id = `${idPrefix}-${i}`;
    const box = h('input', { type: 'checkbox', id, name: 'member', value: o.name, checked: checked.has(o.name) });
    return h('div', { class: 'check' }, box, h('label', { for: id }, o.name));
  });
  return {
    node: h('fieldset', { class: 'members' }, h('legend', null, legend), boxes),
    chosen: () => boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value),
  };
}

// ---- organisations ------------------------------------------------------------------------

function organisations(ctx) {
  const status = statusLine('orgs-status');
  const list = h('div');
  const show = () =>
    mount(
      list,
      simpleTable(
        'Organisations',
        ['Name', 'Operator', 'Created'],
        ctx.orgs.map((o) => h('tr', null, h('td', null, o.name), h('td', null, yesNo(o.operator)), h('td', { class: 'nowrap' }, date(o.created_at)))),
      ),
    );
  show();
  const name = h('input', { id: 'org-name', name: 'name', required: true, maxlength: '200', autocomplete: 'off' });
  const operator = h('input', { id: 'org-operator', name: 'operator', type: 'checkbox' });
  const button = h('button', { type: 'submit', class: 'button' }, 'Create organisation');
  const form = h(
    'form',
    {
      class: 'form',
      'aria-labelledby': 'org-form-heading',
      on: {
        submit: async (e) => {
          e.preventDefault();
          button.disabled = true;
          try {
            const o = await api('/organizations', { method: 'POST', body: { name: name.value, operator: operator.checked } });
            status.say(`Organisation ${o.name} created.`);
            name.value = '';
            operator.checked = false;
            await ctx.reload();
          } catch (err) {
            status.say(failure(err, 'Only admins of an operator organisation may create organisations.'), false);
          } finally {
            button.disabled = false;
          }
        },
      },
    },
    h('h3', { id: 'org-form-heading' }, 'Add an organisation'),
    h('div', { class: 'field' }, h('label', { for: 'org-name' }, 'Organisation name'), name),
    h('div', { class: 'check' }, operator, h('label', { for: 'org-operator' }, 'It operates this instance (its admins manage organisations and communities)')),
    h('div', null, button),
  );
  return { node: h('section', { 'aria-labelledby': 'orgs-heading' }, h('h2', { id: 'orgs-heading' }, 'Organisations'), list, form, status), show };
}

// ---- communities --------------------------------------------------------------------------

function communities(ctx) {
  const status = statusLine('communities-status');
  const list = h('div');
  const editor = h('div');

  const edit = (c, opener) => {
    const boxes = memberBoxes('edit-member', `Members of ${c.name}`, ctx.orgs, new Set(c.members));
    const save = h('button', { type: 'submit', class: 'button' }, 'Save members');
    const close = () => {
      mount(editor);
      if (opener.isConnected) opener.focus();
    };
    const form = h(
      'form',
      {
        class: 'form',
        'data-testid': 'members-form',
        on: {
          submit: async (e) => {
            e.preventDefault();
            save.disabled = true;
            try {
              const saved = await api(`/communities/${enc(c.name)}/members`, { method: 'PUT', body: { members: boxes.chosen() } });
              status.say(`Members of ${saved.name} saved: ${saved.members.length} organisation${saved.members.length === 1 ? '' : 's'}.`);
              mount(editor);
              await ctx.reload();
            } catch (err) {
              save.disabled = false;
              status.say(failure(err, 'Only admins of an operator organisation may change communities.'), false);
            }
          },
        },
      },
      boxes.node,
      h('div', { class: 'row' }, save, h('button', { type: 'button', class: 'button button-quiet', on: { click: close } }, 'Cancel')),
    );
    mount(editor, form);
    form.querySelector('input').focus();
  };

  const show = () =>
    mount(
      list,
      simpleTable(
        'Communities',
        ['Name', 'Members', ''],
        ctx.communities.map((c) => {
          const opener = h('button', { type: 'button', class: 'button button-quiet', on: { click: () => edit(c, opener) } }, 'Edit members', hidden(` of ${c.name}`));
          return h('tr', null, h('td', null, c.name), h('td', null, c.members.length ? c.members.join(', ') : '—'), h('td', null, opener));
        }),
      ),
    );
  show();

  const name = h('input', { id: 'community-name', name: 'name', required: true, maxlength: '200', autocomplete: 'off' });
  const button = h('button', { type: 'submit', class: 'button' }, 'Create community');
  let boxes = memberBoxes('new-member', 'Members', ctx.orgs, new Set());
  const boxHolder = h('div', null, boxes.node);
  const form = h(
    'form',
    {
      class: 'form',
      'aria-labelledby': 'community-form-heading',
      on: {
        submit: async (e) => {
          e.preventDefault();
          button.disabled = true;
          try {
            const c = await api('/communities', { method: 'POST', body: { name: name.value, members: boxes.chosen() } });
            status.say(`Community ${c.name} created with ${c.members.length} member${c.members.length === 1 ? '' : 's'}.`);
            name.value = '';
            await ctx.reload();
          } catch (err) {
            status.say(failure(err, 'Only admins of an operator organisation may create communities.'), false);
          } finally {
            button.disabled = false;
          }
        },
      },
    },
    h('h3', { id: 'community-form-heading' }, 'Add a community'),
    h('div', { class: 'field' }, h('label', { for: 'community-name' }, 'Community name'), name),
    boxHolder,
    h('div', null, button),
  );
  const refreshForm = () => {
    boxes = memberBoxes('new-member', 'Members', ctx.orgs, new Set());
    mount(boxHolder, boxes.node);
  };
  return {
    node: h('section', { 'aria-labelledby': 'communities-heading' }, h('h2', { id: 'communities-heading' }, 'Communities'), list, editor, form, status),
    show: () => {
      show();
      refreshForm();
    },
  };
}

// ---- tokens -------------------------------------------------------------------------------

function tokenState(t) {
  if (t.revoked_at) return `revoked ${dateTime(t.revoked_at)}`;
  if (t.expires_at && new Date(t.expires_at) <= new Date()) return `expired ${dateTime(t.expires_at)}`;
  return 'active';
}

function tokens(ctx, app) {
  const status = statusLine('tokens-status');
  const list = h('div');
  const secretBox = h('div');

  const revoke = (t, cell) => {
    const own = t.id === ctx.me.token_id;
    const back = () => {
      show();
      const again = list.querySelector(`[data-token="${CSS.escape(t.id)}"]`);
      if (again) again.focus();
    };
    const yes = h(
      'button',
      {
        type: 'button',
        class: 'button button-danger',
        on: {
          click: async () => {
            yes.disabled = true;
            try {
              await api(`/tokens/${enc(t.id)}`, { method: 'DELETE' });
            } catch (err) {
              status.say(failure(err, 'Only admins may revoke tokens.'), false);
              back();
              return;
            }
            if (own) {
              session.signOut();
              app.flash = 'You revoked the token you were signed in with: sign in with another.';
              app.go('#/signin');
              return;
            }
            status.say(`Token ${t.label || t.id} revoked: it no longer works.`);
            await ctx.reload();
          },
        },
      },
      'Yes, revoke',
    );
    const no = h('button', { type: 'button', class: 'button button-quiet', on: { click: back } }, 'Cancel');
    mount(
      cell,
      h(
        'div',
        { class: 'confirm', role: 'group', 'aria-label': `Revoke token ${t.label || t.id}?` },
        h('span', null, own ? 'This is the token you are signed in with: revoking it signs you out. Revoke it?' : 'Revoke this token? Whatever uses it stops working.'),
        yes,
        no,
      ),
    );
    no.focus();
  };

  const show = () => {
    if (ctx.tokens instanceof Error) {
      const e = ctx.tokens;
      mount(
        list,
        h(
          'p',
          { class: 'status status-error', 'data-testid': 'tokens-refused' },
          e.status === 403 ? `Your token may not manage tokens (${e.message}): admins may manage their organisation's tokens.` : `Tokens could not be listed: ${e.message}`,
        ),
      );
      return;
    }
    mount(
      list,
      simpleTable(
        ctx.me.operator ? 'Tokens of every organisation' : `Tokens of ${ctx.me.organization}`,
        ['Organisation', 'Role', 'Label', 'Created', 'Expires', 'State', ''],
        ctx.tokens.map((t) => {
          const cell = h('td');
          const state = tokenState(t);
          if (state === 'active') {
            mount(
              cell,
              h('button', { type: 'button', class: 'button button-quiet', 'data-token': t.id, on: { click: () => revoke(t, cell) } }, 'Revoke', hidden(` token ${t.label || t.id}`)),
            );
          }
          return h(
            'tr',
            { 'data-testid': `token-${t.id}` },
            h('td', null, t.organization),
            h('td', null, t.role),
            h('td', null, t.label || '—', t.id === ctx.me.token_id ? h('span', { class: 'muted' }, ' (this token)') : null),
            h('td', { class: 'nowrap' }, date(t.created_at)),
            h('td', null, t.expires_at ? dateTime(t.expires_at) : 'never'),
            h('td', null, state),
            cell,
          );
        }),
      ),
    );
  };
  show();

  const own = ctx.me.organization;
  const choices = ctx.me.operator ? ctx.orgs.map((o) => o.name) : [own];
  const org = h('select', { id: 'token-org', name: 'organization' }, choices.map((n) => h('option', { value: n, selected: n === own }, n)));
  const role = h('select', { id: 'token-role', name: 'role' }, ROLES.map(([v, text]) => h('option', { value: v }, text)));
  const label = h('input', { id: 'token-label', name: 'label', maxlength: '200', autocomplete: 'off' });
  const expires = h('input', { id: 'token-expires', name: 'expires', type: 'date' });
  const button = h('button', { type: 'submit', class: 'button' }, 'Create token');

  const showSecret = (created) => {
    const input = h('input', { id: 'new-token-secret', name: 'secret', readonly: true, value: created.token, spellcheck: 'false', autocomplete: 'off', class: 'mono' });
    const copied = statusLine('secret-status');
    const copy = h(
      'button',
      {
        type: 'button',
        class: 'button',
        on: {
          click: async () => {
            try {
              await navigator.clipboard.writeText(input.value);
              copied.say('Copied to the clipboard.');
            } catch {
              input.focus();
              input.select();
              copied.say('The browser did not allow copying: the secret is selected, copy it with Ctrl+C (or ⌘C).', false);
            }
          },
        },
      },
      'Copy',
    );
    mount(
      secretBox,
      h(
        'div',
        { class: 'secret', 'data-testid': 'new-token' },
        h('p', null, h('strong', null, `New ${created.role} token for ${created.organization}.`), ' Copy it now: dragnet keeps only its hash and will not show it again.'),
        h('div', { class: 'field' }, h('label', { for: 'new-token-secret' }, 'Secret of the new token'), h('div', { class: 'row' }, input, copy)),
        copied,
      ),
    );
    input.focus();
    input.select();
  };

  const form = h(
    'form',
    {
      class: 'form',
      'aria-labelledby': 'token-form-heading',
      on: {
        submit: async (e) => {
          e.preventDefault();
          const body = { organization: org.value, role: role.value, label: label.value.trim() };
          if (expires.value) body.expires_at = `${expires.value}T00:00:00Z`;
          button.disabled = true;
          try {
            const created = await api('/tokens', { method: 'POST', body });
            status.say(`Token created for ${created.organization} (${created.role}).`);
            label.value = '';
            expires.value = '';
            await ctx.reload();
            showSecret(created);
          } catch (err) {
            status.say(failure(err, 'Admins create tokens for their own organisation; operator admins for any.'), false);
          } finally {
            button.disabled = false;
          }
        },
      },
    },
    h('h3', { id: 'token-form-heading' }, 'Create a token'),
    h('div', { class: 'row' }, h('div', { class: 'field' }, h('label', { for: 'token-org' }, 'Organisation'), org), h('div', { class: 'field' }, h('label', { for: 'token-role' }, 'Role'), role)),
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'token-label' }, 'Label'), h('span', { class: 'hint', id: 'token-label-hint' }, 'Where it is used, e.g. "SIEM connector".'), label),
      h('div', { class: 'field' }, h('label', { for: 'token-expires' }, 'Expires on (optional)'), h('span', { class: 'hint', id: 'token-expires-hint' }, 'It stops working at 00:00 UTC that day; empty: it does not expire.'), expires)),
    h('div', null, button),
  );
  label.setAttribute('aria-describedby', 'token-label-hint');
  expires.setAttribute('aria-describedby', 'token-expires-hint');
  return {
    node: h('section', { 'aria-labelledby': 'tokens-heading' }, h('h2', { id: 'tokens-heading' }, 'API tokens'), list, form, status, secretBox),
    show,
  };
}

// ---- access requests (hit/no-hit) -----------------------------------------------------------

// Requests from organisations whose lookups found a selector held in this organisation's
// discoverable reports. The server shows who asked and which selector, nothing more; granting
// adds the requester to the audience of this organisation's reports holding it.
function accessRequests(ctx) {
  const status = statusLine('requests-status');
  const list = h('div');
  const decide = async (r, verb, button) => {
    button.disabled = true;
    try {
      await api(`/access-requests/${enc(r.id)}/${verb}`, { method: 'POST' });
      await ctx.reload();
      status.say(verb === 'grant' ? `Granted: ${r.requester} may now read your reports holding ${r.value}.` : `Declined the request of ${r.requester} for ${r.value}.`);
    } catch (err) {
      button.disabled = false;
      status.say(failure(err, 'Analysts and admins decide access requests.'), false);
    }
  };
  const show = () => {
    if (ctx.requests instanceof Error) {
      mount(list, h('p', { class: 'muted' }, `Not shown: ${ctx.requests.message}. Analysts and admins see the requests sent to their organisation.`));
      return;
    }
    if (!ctx.requests.length) {
      mount(list, h('p', { class: 'muted' }, 'No organisation has asked for access to your discoverable reports.'));
      return;
    }
    mount(
      list,
      simpleTable(
        'Access requests sent to your organisation',
        ['Asked by', 'Selector', 'Asked', 'Status', ''],
        ctx.requests.map((r) => {
          const actions = [];
          if (r.status === 'pending') {
            const grant = h('button', { type: 'button', class: 'button', on: { click: () => decide(r, 'grant', grant) } }, 'Grant', hidden(` ${r.requester} access for ${r.value}`));
            const decline = h('button', { type: 'button', class: 'button button-quiet', on: { click: () => decide(r, 'decline', decline) } }, 'Decline', hidden(` ${r.requester} for ${r.value}`));
            actions.push(grant, ' ', decline);
          }
          return h('tr', null, h('td', null, r.requester), h('td', null, h('code', null, `${r.kind}: ${r.value}`)), h('td', null, dateTime(r.created_at)), h('td', null, r.status), h('td', null, actions));
        }),
      ),
    );
  };
  show();
  return {
    node: h('section', { 'aria-labelledby': 'requests-heading' }, h('h2', { id: 'requests-heading' }, 'Access requests'), list, status),
    show,
  };
}

// ---- the page -----------------------------------------------------------------------------

// A listing, or the server's refusal (403) to show it.
async function listOrRefusal(path) {
  try {
    return (await api(path)).items;
  } catch (e) {
    if (e.status === 403) return e;
    throw e;
  }
}

const tokensOrRefusal = () => listOrRefusal('/tokens');
const requestsOrRefusal = () => listOrRefusal('/access-requests/incoming');

export async function render(app) {
  const [me, orgs, comms, toks, requests] = await Promise.all([api('/whoami'), api('/organizations'), api('/communities'), tokensOrRefusal(), requestsOrRefusal()]);
  const ctx = { me, orgs: orgs.items, communities: comms.items, tokens: toks, requests };
  const sections = [];
  // After a change: the lists again, from the server.
  ctx.reload = async () => {
    const [o, c, t, r] = await Promise.all([api('/organizations'), api('/communities'), tokensOrRefusal(), requestsOrRefusal()]);
    ctx.orgs = o.items;
    ctx.communities = c.items;
    ctx.tokens = t;
    ctx.requests = r;
    for (const s of sections) s.show();
  };
  sections.push(organisations(ctx), communities(ctx), tokens(ctx, app), accessRequests(ctx));
  const powers = me.role === 'admin'
    ? me.operator
      ? 'As an admin of an operator organisation you may manage organisations, communities and every organisation\'s tokens.'
      : 'As an admin you may manage your organisation\'s tokens; organisations and communities are managed by admins of an operator organisation.'
    : 'Only admins manage tokens, and only admins of an operator organisation manage organisations and communities: the server will refuse changes made with this token.';
  return [
    h('h1', null, 'Administration'),
    h('p', { 'data-testid': 'whoami' }, 'Signed in for ', h('strong', null, me.organization), ` with ${/^[aeiou]/.test(me.role) ? 'an' : 'a'} ${me.role} token${me.operator ? ' (an operator organisation)' : ''}.`),
    h('p', { class: 'muted' }, powers),
    sections.map((s) => s.node),
  ];
}
