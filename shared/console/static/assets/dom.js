// Small DOM helpers: elements are built with textContent, never parsed HTML,
// so names and addresses from the API are never parsed as markup.

/** Returns the element with id, or throws: a missing id is a page bug. */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
}

/**
 * h('button', {class: 'btn', type: 'button', on: {click: fn}, dataset: {testid: 'x'}}, 'Text', child)
 * Attributes with value false/null/undefined are left out; true sets an empty attribute.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'on') {
      for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    } else if (k === 'dataset') {
      for (const [dk, dv] of Object.entries(v)) el.dataset[dk] = dv;
    } else if (k === 'text') {
      el.textContent = v;
    } else if (k === 'value' || k === 'checked' || k === 'selected' || k === 'disabled') {
      el[k] = v;
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the children of el. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function show(el, visible = true) {
  el.hidden = !visible;
}

const dateFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, {
  year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit',
});

/** Formats an RFC 3339 time as a date ("Mar 3, 2026"); "" for nothing. */
export function formatDate(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : dateFmt.format(d);
}

/** Formats an RFC 3339 time with the time of day. */
export function formatDateTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : dateTimeFmt.format(d);
}

/** A <time> element for iso. */
export function timeEl(iso, withTime = false) {
  return h('time', { datetime: iso || '' }, withTime ? formatDateTime(iso) : formatDate(iso));
}

/** The end of day d (a date input's "YYYY-MM-DD") in UTC as RFC 3339, or null for none. */
export function endOfDay(d) {
  return d ? `${d}T23:59:59Z` : null;
}

/** Upper-cases the first letter: "owner" → "Owner". */
export function cap(s) {
  return s ? s.charAt(0).toUpperCase() + s.slice(1) : '';
}

/** A status badge: <span class="badge badge-<kind>">text</span>. */
export function badge(text, kind = 'neutral', attrs = {}) {
  return h('span', { class: `badge badge-${kind}`, ...attrs }, text);
}

/** Sets the text of a polite live region, so screen readers announce it. */
export function announce(el, message) {
  el.textContent = '';
  // A new text node after a tick is announced even when the text repeats.
  setTimeout(() => { el.textContent = message; }, 30);
}
