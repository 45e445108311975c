// Building the page without markup: every element is created, every value is written as text
// (a text node) or as an attribute value. Nothing from the API is ever parsed as HTML.

const SVG_NS = 'http://www.w3.org/2000/svg';

// Links may only point inside dragnet: a route (#/...), a path on this origin, or http(s).
const SAFE_URL = /^(#|\/(?!\/)|https?:\/\/)/i;

function setAttrs(el, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'on') {
      for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn);
      continue;
    }
    if (/^on/i.test(key) || key.toLowerCase() === 'style') {
      throw new Error(`h: attribute ${key} is not allowed (use the "on" map or a class)`);
    }
    if ((key === 'href' || key === 'src' || key === 'action') && !SAFE_URL.test(String(value))) {
      throw new Error(`h: unsafe ${key} ${JSON.stringify(String(value))}`);
    }
    if (key === 'value' || key === 'checked' || key === 'selected') {
      el[key] = value;
      continue;
    }
    el.setAttribute(key, value === true ? '' : String(value));
  }
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

// h('a', {href: '#/x', class: 'y'}, 'text', otherNode, [more, nodes])
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

// The same for SVG elements.
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

// Replaces the children of `el`.
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}
