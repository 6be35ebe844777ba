// The join page: /join#token=… for an invite link. The token is handled as
// on the accept page (tokenpage.js: fragment only, this tab's sessionStorage).

import { ApiError, request } from './api.js';
import { clearSession, getSession, signOut } from './auth.js';
import { announce, byId, cap, fill, formatDateTime, h, show } from './dom.js';
import { renderSignIn } from './signin.js';
import { readFragmentToken, showOnly, startPage } from './tokenpage.js';

const TOKEN_KEY = 'members.linkToken';
const STATES = ['loading', 'preview', 'done', 'expired', 'invalid', 'missing', 'error'];
const EXPIRED_WHY = {
  expired: 'Invite links are valid for a limited time.',
  disabled: 'The organization disabled it.',
  used_up: 'As many people have joined by it as it allows.',
};

let token = '';
let preview = null; // POST /invite-links/preview

function showState(name, focus = true) {
  showOnly(STATES, name, focus);
}

function renderAccount() {
  const s = getSession();
  byId('account-email').textContent = s?.email || '';
  show(byId('account'), !!s);
}

async function loadPreview() {
  showState('loading', false);
  try {
    preview = await request('POST', '/invite-links/preview', { body: { token } });
  } catch (err) {
    showProblem(err);
    return;
  }
  renderPreview();
}

function renderPreview(focus = true) {
  byId('pv-org').textContent = preview.orgName;
  byId('pv-inviter').textContent = preview.invitedBy || 'someone';
  byId('pv-org-role').textContent = cap(preview.orgRole || 'member');
  const projects = preview.projects || [];
  fill(byId('pv-projects'), projects.map((p) => h('li', { dataset: { testid: 'join-project', role: p.role } },
    p.name, h('span', { class: 'muted' }, ` · ${cap(p.role)}`))));
  show(byId('pv-projects-row'), projects.length > 0);
  const domains = preview.allowedDomains || [];
  byId('pv-domains').textContent = domains.join(', ');
  show(byId('pv-domains-row'), domains.length > 0);
  byId('pv-expires').textContent = formatDateTime(preview.expiresAt);
  byId('join-error').textContent = '';
  document.title = `Join ${preview.orgName} · Members`;

  const session = getSession();
  renderAccount();
  show(byId('pv-signin'), !session);
  show(byId('pv-ready'), !!session);
  showState('preview', focus);
  if (session) {
    byId('pv-current').textContent = session.email;
    byId('join-submit').disabled = false;
    return;
  }
  renderSignIn(byId('pv-signin-panel'), {
    idPrefix: 'join-signin',
    returnPath: '/join',
    focus: false,
    hint: domains.length ? `Sign in with an address at ${domains.join(' or ')}.` : 'Sign in with your verified address.',
    onSignedIn: async (s) => {
      announce(byId('status'), `Signed in as ${s.email}.`);
      renderPreview(false);
      byId('join-submit').focus();
    },
  });
}

function showProblem(err) {
  const code = err instanceof ApiError ? err.code : '';
  const status = err instanceof ApiError ? err.status : 0;
  if (code === 'link_expired' || (!code && status === 410)) {
    const reason = err.problem?.reason || 'expired';
    byId('expired-title').textContent = reason === 'expired' ? 'This invite link has expired' : 'This invite link no longer works';
    byId('expired-why').textContent = EXPIRED_WHY[reason] || '';
    const inviter = err.problem?.invitedBy || preview?.invitedBy || '';
    fill(byId('expired-ask'), inviter ? `Ask ${inviter} for a new invite link.` : 'Ask the person who shared it for a new one.');
    showState('expired');
  } else if (code === 'link_not_found' || (!code && status === 404)) {
    showState('invalid');
  } else {
    byId('error-text').textContent = err instanceof ApiError ? err.fullMessage : 'The invite link could not be loaded.';
    showState('error');
  }
}

async function join() {
  const session = getSession();
  if (!session) {
    renderPreview();
    return;
  }
  const button = byId('join-submit');
  const errorEl = byId('join-error');
  button.disabled = true;
  errorEl.textContent = '';
  let res;
  try {
    res = await request('POST', '/invite-links/join', { body: { token }, token: session.token });
  } catch (err) {
    button.disabled = false;
    if (err instanceof ApiError && err.status === 401) {
      clearSession();
      renderPreview(false);
      byId('join-error').textContent = 'Your session has ended. Sign in again to join.';
      return;
    }
    if (err instanceof ApiError && ['email_not_verified', 'email_domain_not_allowed', 'seat_limit', 'rate_limited', 'email_in_use'].includes(err.code)) {
      errorEl.textContent = err.code === 'email_domain_not_allowed'
        ? `${err.detail} Use “Use another account” to switch.` : err.detail;
      return;
    }
    showProblem(err);
    return;
  }
  sessionStorage.removeItem(TOKEN_KEY);
  showDone(res);
}

function showDone(res) {
  const org = res.orgName || preview.orgName;
  byId('done-org').textContent = org;
  byId('done-eyebrow').textContent = res.joined ? 'Joined' : 'Already a member';
  const role = res.orgRole || 'member';
  byId('done-text').textContent = `${res.joined ? 'You are now' : 'You already are'} ${/^[aeiou]/.test(role) ? 'an' : 'a'} ${role} of ${org}` +
    `${(res.projects || []).length ? ', with access to these projects:' : '.'}`;
  fill(byId('done-projects'), (res.projects || []).map((p) => h('li', { dataset: { testid: 'join-done-project' } },
    p.name || p.id, h('span', { class: 'muted' }, ` · ${cap(p.role)}`))));
  const link = byId('done-open');
  link.href = `/?org=${encodeURIComponent(res.orgId)}`;
  link.textContent = `Open ${org}`;
  document.title = `Welcome to ${org} · Members`;
  showState('done');
}

async function switchAccount() {
  if (await signOut('/join')) return;
  renderAccount();
  if (!preview) {
    await loadPreview();
    return;
  }
  renderPreview(false);
  announce(byId('status'), 'Signed out. Sign in with another address.');
}

function wire() {
  byId('join-submit').addEventListener('click', join);
  byId('join-switch').addEventListener('click', switchAccount);
  byId('sign-out').addEventListener('click', switchAccount);
  byId('error-retry').addEventListener('click', loadPreview);
}

async function main() {
  wire();
  token = readFragmentToken(TOKEN_KEY);
  const signInError = await startPage(showState);
  if (signInError === null) return;
  renderAccount();
  if (!token) {
    showState('missing');
    return;
  }
  await loadPreview();
  if (signInError && preview) byId('join-error').textContent = signInError;
}

main();
