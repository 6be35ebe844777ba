// The accept page: /accept#token=… of an emailed invite. The token is
// handled as tokenpage.js says (fragment only, this tab's sessionStorage).

import { ApiError, request } from './api.js';
import { clearSession, getSession, signOut } from './auth.js';
import { announce, byId, cap, fill, formatDateTime, h, show } from './dom.js';
import { renderSignIn } from './signin.js';
import { readFragmentToken, showOnly, startPage } from './tokenpage.js';

const TOKEN_KEY = 'members.inviteToken';
const PREVIEW_KEY = 'members.invitePreview';
const STATES = ['loading', 'preview', 'done', 'mismatch', 'expired', 'invalid', 'accepted', 'missing', 'error'];

let token = '';
let preview = null; // POST /invites/preview

function cachedPreview() {
  try { return JSON.parse(sessionStorage.getItem(PREVIEW_KEY) || 'null'); } catch { return null; }
}

function showState(name, focus = true) {
  showOnly(STATES, name, focus);
}

function say(message) {
  announce(byId('status'), message);
}

function renderAccount() {
  const s = getSession();
  byId('account-email').textContent = s?.email || '';
  show(byId('account'), !!s);
}

const EMAIL_RE = /^[^\s@<>()"',;:\\]+@[^\s@<>()"',;:\\]+$/;

/** Fills el with a way to ask the inviter for a new invitation. */
function fillAsk(el, reason, problem = {}) {
  // A problem may name the inviter too (extension members), e.g. on 410.
  const known = { ...(cachedPreview() || {}), ...(preview || {}) };
  for (const k of ['invitedBy', 'orgName', 'email']) if (!known[k] && typeof problem[k] === 'string') known[k] = problem[k];
  const inviter = known.invitedBy || '';
  const org = known.orgName || 'the organization';
  if (!EMAIL_RE.test(inviter)) {
    fill(el, 'Need a new invitation? Ask the person who invited you, or reply to the invitation email.');
    return;
  }
  const subject = `New invitation to ${org}`;
  const body = `Hello,\n\nthe invitation to ${org}${known.email ? ` that you sent to ${known.email}` : ''} ${reason}. Could you send me a new one?\n\nThank you!`;
  const href = `mailto:${inviter}?subject=${encodeURIComponent(subject)}&body=${encodeURIComponent(body)}`;
  fill(el, 'Need a new invitation? ',
    h('a', { href, dataset: { testid: 'ask-inviter' } }, `Ask ${inviter} for a new invitation`), '.');
}

async function loadPreview() {
  showState('loading', false);
  try {
    preview = await request('POST', '/invites/preview', { body: { token } });
    sessionStorage.setItem(PREVIEW_KEY, JSON.stringify(preview));
  } catch (err) {
    showProblem(err);
    return;
  }
  if (preview.status === 'accepted') {
    showState('accepted');
    return;
  }
  renderPreview();
}

function renderPreview(focus = true) {
  byId('pv-org').textContent = preview.orgName;
  byId('pv-inviter').textContent = preview.invitedBy || 'someone';
  byId('pv-email').textContent = preview.email;
  byId('pv-org-role').textContent = cap(preview.orgRole || 'member');
  const projects = preview.projects || [];
  fill(byId('pv-projects'), projects.map((p) => h('li', { dataset: { testid: 'preview-project', role: p.role } },
    p.name, h('span', { class: 'muted' }, ` · ${cap(p.role)}`))));
  show(byId('pv-projects-row'), projects.length > 0);
  byId('pv-expires').textContent = formatDateTime(preview.expiresAt);
  byId('accept-error').textContent = '';
  document.title = `Join ${preview.orgName} · Members`;

  const session = getSession();
  renderAccount();
  show(byId('pv-signin'), !session);
  show(byId('pv-ready'), !!session);
  showState('preview', focus);
  if (session) {
    byId('pv-current').textContent = session.email;
    byId('accept-submit').disabled = false;
    return;
  }
  renderSignIn(byId('pv-signin-panel'), {
    idPrefix: 'accept-signin',
    returnPath: '/accept',
    email: preview.email,
    focus: false,
    hint: `Use the address the invitation was sent to: ${preview.email}.`,
    onSignedIn: async (s) => {
      say(`Signed in as ${s.email}.`);
      renderPreview(false);
      byId('accept-submit').focus();
    },
  });
}

function showProblem(err) {
  const code = err instanceof ApiError ? err.code : '';
  const status = err instanceof ApiError ? err.status : 0;
  if (code === 'invite_email_mismatch') {
    const session = getSession();
    const invited = (preview || cachedPreview())?.email || '';
    const current = session?.email || '';
    // Same address, so the token lacked a verified email.
    const unverified = !!invited && invited.toLowerCase() === current.toLowerCase();
    byId('mm-invited').textContent = invited || 'another address';
    byId('mm-current').textContent = current || 'another account';
    byId('mm-eyebrow').textContent = unverified ? 'Address not verified' : 'Wrong account';
    byId('mismatch-title').textContent = unverified ? 'Verify the invited address' : 'Sign in with the invited address';
    show(byId('mm-other'), !unverified);
    show(byId('mm-unverified'), unverified);
    fillAsk(byId('mm-ask'), 'was sent to an address I cannot sign in with', err.problem);
    showState('mismatch');
  } else if (code === 'invite_expired' || (!code && status === 410)) {
    byId('expired-detail').textContent = err.detail;
    fillAsk(byId('expired-ask'), 'has expired', err.problem);
    showState('expired');
  } else if (code === 'invite_not_found' || (!code && status === 404)) {
    fillAsk(byId('invalid-ask'), 'no longer works', err.problem);
    showState('invalid');
  } else if (code === 'invite_already_accepted') {
    showState('accepted');
  } else {
    byId('error-text').textContent = err instanceof ApiError ? err.fullMessage : 'The invitation could not be loaded.';
    showState('error');
  }
}

async function accept() {
  const session = getSession();
  if (!session) {
    renderPreview();
    return;
  }
  const button = byId('accept-submit');
  const errorEl = byId('accept-error');
  button.disabled = true;
  errorEl.textContent = '';
  let res;
  try {
    res = await request('POST', '/invites/accept', { body: { token }, token: session.token });
  } catch (err) {
    button.disabled = false;
    if (err instanceof ApiError && err.status === 401) {
      clearSession();
      renderPreview(false);
      byId('accept-error').textContent = 'Your session has ended. Sign in again to accept.';
      return;
    }
    if (err instanceof ApiError && err.code === 'email_not_verified') {
      errorEl.textContent = `${err.detail} Verify your email address, then sign in again.`;
      return;
    }
    showProblem(err);
    return;
  }
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(PREVIEW_KEY);
  showDone(res);
}

function showDone(res) {
  const org = preview.orgName;
  byId('done-org').textContent = org;
  const role = res.orgRole || preview.orgRole || 'member';
  byId('done-text').textContent = `You are now ${/^[aeiou]/.test(role) ? 'an' : 'a'} ${role} of ${org}` +
    `${(res.projects || []).length ? ' with access to these projects:' : '.'}`;
  const names = new Map((preview.projects || []).map((p) => [p.id, p.name]));
  fill(byId('done-projects'), (res.projects || []).map((p) => h('li', {},
    p.name || names.get(p.id) || p.id, h('span', { class: 'muted' }, ` · ${cap(p.role)}`))));
  const link = byId('done-open');
  link.href = `/?org=${encodeURIComponent(res.orgId || preview.orgId)}`;
  link.textContent = `Open ${org}`;
  document.title = `Welcome to ${org} · Members`;
  showState('done');
}

async function switchAccount() {
  if (await signOut('/accept')) return; // The sign-in service signs out and comes back.
  renderAccount();
  if (!preview) {
    await loadPreview();
    return;
  }
  renderPreview(false);
  say('Signed out. Sign in with the invited address.');
  byId('accept-signin-email').focus();
}

function wire() {
  byId('accept-submit').addEventListener('click', accept);
  byId('accept-switch').addEventListener('click', switchAccount);
  byId('mm-switch').addEventListener('click', switchAccount);
  byId('sign-out').addEventListener('click', switchAccount);
  byId('error-retry').addEventListener('click', loadPreview);
}

async function main() {
  wire();
  token = readFragmentToken(TOKEN_KEY, () => sessionStorage.removeItem(PREVIEW_KEY));
  const signInError = await startPage(showState);
  if (signInError === null) return;
  renderAccount();
  if (!token) {
    showState('missing');
    return;
  }
  await loadPreview();
  if (signInError && preview) byId('accept-error').textContent = signInError;
}

main();
