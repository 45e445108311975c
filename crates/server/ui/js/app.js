// dragnet's web interface: the shell (sign-in, navigation, error banner) and a hash router.
// Routes: #/dashboard, #/search[/<selector>[/<kind>]], #/report/<id>, #/campaign/<id>, #/intake,
// #/hashes, #/graph[/<node> | /network/<id>], #/admin. Each page module exports `title` and `render(app, ...params)`, which returns the
// page's content as a node; the router mounts it, sets the document title and moves focus to
// the page's heading so that screen-reader and keyboard users land on the new content.

import { h, mount } from './h.js';
import { api, session } from './api.js';
import * as dashboard from './dashboard.js';
import * as search from './search.js';
import * as report from './report.js';
import * as campaign from './campaign.js';
import * as intake from './intake.js';
import * as hashes from './hashes.js';
import * as graph from './graph.js';
import * as admin from './admin.js';

const pages = { dashboard, search, report, campaign, intake, hashes, graph, admin };

const $ = (id) => document.getElementById(id);

const app = {
  // Shows a message in the error banner (as text).
  error(message) {
    $('banner-text').textContent = message;
    $('banner').hidden = false;
  },
  clearError() {
    $('banner').hidden = true;
    $('banner-text').textContent = '';
  },
  // A one-time notice shown at the top of the next page rendered.
  flash: null,
  go(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
  // Work a page leaves running (its live feed): stopped when the next page is routed.
  onLeave(stop) {
    leaving.push(stop);
  },
};

let leaving = [];

let sequence = 0;

function signInPage(wanted) {
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const button = h('button', { type: 'submit', class: 'button' }, 'Sign in');
  const form = h(
    'form',
    {
      class: 'form',
      on: {
        submit: async (event) => {
          event.preventDefault();
          const token = input.value.trim();
          if (!token) return;
          button.disabled = true;
          session.signIn(token);
          let readsNothing = false;
          try {
            await api('/reports?limit=1');
          } catch (e) {
            readsNothing = e.status === 403;
            // 403: a token that may submit intake reports but read nothing is still a token.
            if (e.status !== 403) {
              session.signOut();
              button.disabled = false;
              app.error(e.status === 401 ? 'sign-in failed: the token was not accepted' : e.message);
              input.focus();
              return;
            }
          }
          app.clearError();
          shell();
          if (readsNothing) app.go('#/intake');
          else app.go(wanted && wanted !== '#/signin' ? wanted : '#/dashboard');
        },
      },
    },
    h('div', { class: 'field' }, h('label', { for: 'token' }, 'API token'), h('span', { class: 'hint', id: 'token-hint' }, 'Your organisation\'s dragnet token (dn_…). It is kept in this tab only and forgotten when the tab closes.'), input),
    h('div', null, button),
  );
  input.setAttribute('aria-describedby', 'token-hint');
  return [h('h1', { tabindex: '-1' }, 'Sign in to dragnet'), form];
}

function shell() {
  const signedIn = Boolean(session.token());
  $('nav').hidden = !signedIn;
  $('sign-out').hidden = !signedIn;
}

// "#/name/a/b" -> ["name", ["a", "b"]], each segment percent-decoded.
function params(hash) {
  const parts = hash.slice(2).split('/');
  const name = parts.shift() || 'dashboard';
  return [name, parts.filter((p) => p !== '').map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  })];
}

function show(nodes, title) {
  const main = $('main');
  const flash = app.flash;
  app.flash = null;
  mount(main, flash ? h('p', { class: 'notice', role: 'status' }, flash) : null, nodes);
  document.title = title ? `${title} · dragnet` : 'dragnet';
  const heading = main.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  } else {
    main.focus();
  }
}

async function route() {
  const hash = location.hash || '#/dashboard';
  if (!hash.startsWith('#/')) return;
  const my = ++sequence;
  for (const stop of leaving.splice(0)) stop();
  shell();
  if (!session.token()) {
    show(signInPage(hash), 'Sign in');
    return;
  }
  const [name, args] = params(hash);
  if (name === 'signin') {
    location.replace('#/dashboard');
    return;
  }
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.route === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const page = pages[name];
  if (!page) {
    show([h('h1', null, 'Page not found'), h('p', null, 'There is no such page. ', h('a', { href: '#/dashboard' }, 'Go to the dashboard'))], 'Not found');
    return;
  }
  app.clearError();
  mount($('main'), h('p', { class: 'loading', role: 'status' }, 'Loading…'));
  try {
    const node = await page.render(app, ...args);
    if (my !== sequence) return;
    show(node, typeof page.title === 'function' ? page.title(...args) : page.title);
  } catch (e) {
    if (my !== sequence) return;
    if (e.status === 401) {
      session.signOut();
      shell();
      app.error('your token is no longer accepted: sign in again');
      show(signInPage(hash), 'Sign in');
      return;
    }
    app.error(e.message || String(e));
    show([h('h1', null, 'This page could not be shown'), h('p', { class: 'muted' }, e.code ? `error: ${e.code}` : 'unexpected error')], 'Error');
  }
}

function start() {
  $('sign-out').addEventListener('click', () => {
    session.signOut();
    app.clearError();
    app.go('#/signin');
  });
  $('banner-close').addEventListener('click', () => app.clearError());
  $('skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    const main = $('main');
    const heading = main.querySelector('h1');
    (heading || main).focus();
  });
  window.addEventListener('hashchange', route);
  route();
}

start();
