// The Users tab: sign in, pick an organization, see and manage members,
// projects and invitations, and invite people through the dialog.

import { ApiError, loadConfig, request, seg, sentence } from './api.js';
import { clearSession, completeSignIn, getSession, signOut } from './auth.js';
import { announce, badge, byId, cap, fill, formatDateTime, h, show, timeEl } from './dom.js';
import { MemberPager } from './member-search.js';
import { renderSignIn } from './signin.js';

const ORG_KEY = 'members.orgId';
const PAGE_SIZE = 50;

const state = {
  me: null, // GET /me: {user, orgs, projects}
  orgId: '',
  projects: [], // GET /orgs/{orgId}/projects
  scope: '', // '' = the organization, else a project id
  invitesCursor: null,
  loadSeq: 0, // drops answers of a previous organization
};

// ---------- API with the session ----------

/** Calls the API as the signed-in user. A 401 ends the session and shows the sign-in. */
async function api(method, path, body) {
  const s = getSession();
  if (!s) {
    showSignIn('Sign in to continue.');
    throw Object.assign(new ApiError(401, { detail: 'Not signed in.' }), { handled: true });
  }
  try {
    return await request(method, path, { body, token: s.token });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      clearSession();
      showSignIn('Your session has ended. Sign in again.');
      err.handled = true;
    }
    throw err;
  }
}

const orgPath = (...parts) => `/orgs/${seg(state.orgId)}${parts.map((p) => `/${seg(p)}`).join('')}`;

// ---------- messages ----------

function showError(err) {
  if (err && err.handled) return;
  const text = err instanceof ApiError ? err.fullMessage : (err && err.message) || String(err);
  byId('banner-text').textContent = text;
  show(byId('banner'));
}

function clearError() {
  show(byId('banner'), false);
  byId('banner-text').textContent = '';
}

function say(message) {
  announce(byId('status'), message);
}

// ---------- derived permissions ----------

function currentOrg() {
  return state.me?.orgs.find((o) => o.id === state.orgId) || null;
}

function isOrgOwner() {
  return currentOrg()?.role === 'owner';
}

function projectRole(projectId) {
  const mine = state.me?.projects.find((p) => p.id === projectId && p.orgId === state.orgId);
  if (mine) return mine.role;
  return state.projects.find((p) => p.id === projectId)?.role || '';
}

function ownedProjects() {
  return state.projects.filter((p) => projectRole(p.id) === 'owner');
}

function canInvite() {
  return isOrgOwner() || ownedProjects().length > 0;
}

function canManageScope() {
  return state.scope ? isOrgOwner() || projectRole(state.scope) === 'owner' : isOrgOwner();
}

function projectName(id) {
  return state.projects.find((p) => p.id === id)?.name || state.me?.projects.find((p) => p.id === id)?.name || id;
}

// ---------- sign-in ----------

function showSignIn(note) {
  state.me = null;
  show(byId('loading'), false);
  show(byId('app-view'), false);
  show(byId('account'), false);
  show(byId('signin-view'));
  const noteEl = byId('signin-note');
  noteEl.textContent = note || '';
  show(noteEl, !!note);
  renderSignIn(byId('signin-panel'), {
    returnPath: '/',
    onSignedIn: async () => {
      show(byId('signin-view'), false);
      await loadMe();
    },
  });
}

// ---------- /me and the organization ----------

async function loadMe(preferredOrgId) {
  clearError();
  try {
    state.me = await api('GET', '/me');
  } catch (err) {
    show(byId('loading'), false);
    showError(err);
    return;
  }
  state.me.orgs ||= [];
  state.me.projects ||= [];
  show(byId('loading'), false);
  show(byId('signin-view'), false);
  byId('account-email').textContent = state.me.user?.email || getSession()?.email || '';
  show(byId('account'));
  show(byId('app-view'));

  const fromUrl = new URLSearchParams(location.search).get('org');
  const candidates = [preferredOrgId, fromUrl, sessionStorage.getItem(ORG_KEY), state.me.orgs[0]?.id];
  const orgId = candidates.find((id) => id && state.me.orgs.some((o) => o.id === id)) || '';
  renderOrgPicker(orgId);
  await selectOrg(orgId);
}

function renderOrgPicker(selected) {
  const select = byId('org-select');
  const orgs = [...state.me.orgs].sort((a, b) => a.name.localeCompare(b.name));
  fill(select, orgs.map((o) => h('option', { value: o.id, selected: o.id === selected }, o.name)));
  select.value = selected;
  show(byId('org-picker'), orgs.length > 0);
}

async function selectOrg(orgId) {
  const seq = ++state.loadSeq;
  state.orgId = orgId;
  state.scope = '';
  state.projects = [];
  if (orgId) {
    sessionStorage.setItem(ORG_KEY, orgId);
    history.replaceState(null, '', `/?org=${encodeURIComponent(orgId)}`);
  } else {
    history.replaceState(null, '', '/');
  }
  const hasOrg = !!orgId;
  show(byId('no-org'), !hasOrg);
  show(byId('org-main'), hasOrg);
  show(byId('projects-card'), hasOrg);
  show(byId('invite-open'), false);
  byId('page-title').textContent = hasOrg ? `Users of ${currentOrg().name}` : 'Users';
  document.title = hasOrg ? `Users · ${currentOrg().name} · Members` : 'Users · Settings · Members';
  byId('org-summary').textContent = '';
  if (!hasOrg) return;

  try {
    const res = await api('GET', orgPath('projects'));
    if (seq !== state.loadSeq) return;
    state.projects = res?.projects || [];
  } catch (err) {
    if (seq === state.loadSeq) showError(err);
  }
  renderProjects();
  renderSummary();
  show(byId('invite-open'), canInvite());
  await Promise.all([loadMembers(true), loadInvites(true)]);
}

function renderSummary() {
  const org = currentOrg();
  if (!org) return;
  const n = state.projects.length;
  byId('org-summary').textContent =
    `Your role: ${cap(org.role)} · ${n} ${n === 1 ? 'project' : 'projects'}`;
}

// ---------- projects ----------

function renderProjects() {
  const list = byId('projects-list');
  const projects = [...state.projects].sort((a, b) => a.name.localeCompare(b.name));
  fill(list, projects.map((p) => {
    const role = projectRole(p.id);
    return h('li', { dataset: { testid: 'project-item', projectId: p.id, projectName: p.name } },
      h('span', { class: 'project-name' }, p.name),
      role ? badge(cap(role), role === 'owner' ? 'accent' : 'neutral') : null);
  }));
  show(byId('projects-empty'), projects.length === 0);
  show(byId('project-form'), isOrgOwner());

  const scope = byId('members-scope');
  fill(scope,
    h('option', { value: '' }, 'Everyone in the organization'),
    projects.map((p) => h('option', { value: p.id }, `Project: ${p.name}`)));
  scope.value = state.scope;
}

// ---------- members ----------

let pager; // MemberPager (member-search.js): search box and pages

/** Shows the first page of members (of the current search). */
function loadMembers() {
  return pager.first();
}

/** Fetches one page of members: of the organization or the scoped project, by address prefix when email is set. */
function fetchMembersPage(cursor, email) {
  const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (email) q.set('email', email);
  if (cursor) q.set('cursor', cursor);
  const path = state.scope ? orgPath('projects', state.scope, 'members') : orgPath('members');
  return api('GET', `${path}?${q}`);
}

function memberPath(userId) {
  return state.scope ? orgPath('projects', state.scope, 'members', userId) : orgPath('members', userId);
}

function memberRow(m) {
  const self = m.userId === state.me.user?.id;
  const manage = canManageScope();
  const roles = state.scope ? ['owner', 'member'] : ['owner', 'user'];
  const tr = h('tr', { dataset: { testid: 'member-row', email: m.email, role: m.role, userId: m.userId } });

  let roleCell;
  if (manage) {
    const select = h('select', {
      'aria-label': `Role of ${m.email}`, class: 'select-small', dataset: { testid: 'member-role' },
    }, roles.map((r) => h('option', { value: r, selected: r === m.role }, cap(r))));
    select.value = m.role;
    select.addEventListener('change', () => changeRole(m, select, tr, self));
    roleCell = select;
  } else {
    roleCell = badge(cap(m.role), m.role === 'owner' ? 'accent' : 'neutral', { dataset: { testid: 'member-role' } });
  }

  let action = null;
  if (manage || self) {
    action = h('button', {
      type: 'button', class: 'btn btn-quiet btn-small btn-danger-text', dataset: { testid: 'member-remove' },
      'aria-label': self ? `Leave ${state.scope ? `project ${projectName(state.scope)}` : currentOrg().name}` : `Remove ${m.email}`,
      on: { click: () => removeMember(m, tr, self) },
    }, self ? 'Leave' : 'Remove');
  }

  tr.append(
    h('td', { class: 'cell-email' }, m.email, self ? h('span', { class: 'you' }, ' (you)') : null),
    h('td', {}, roleCell),
    h('td', {}, timeEl(m.joinedAt)),
    h('td', { class: 'cell-actions' }, action),
  );
  return tr;
}

async function changeRole(m, select, tr, self) {
  const prev = m.role;
  const next = select.value;
  select.disabled = true;
  clearError();
  try {
    const updated = await api('PATCH', memberPath(m.userId), { role: next });
    m.role = updated?.role || next;
    tr.dataset.role = m.role;
    say(`${m.email} is now ${m.role}.`);
    if (self) await loadMe(state.orgId);
  } catch (err) {
    select.value = prev;
    showError(err);
  } finally {
    select.disabled = false;
  }
}

async function removeMember(m, tr, self) {
  const where = state.scope ? `the project ${projectName(state.scope)}` : currentOrg().name;
  const ok = await confirmAction({
    title: self ? `Leave ${where}?` : `Remove ${m.email}?`,
    text: self
      ? `You will lose access to ${where}.`
      : `${m.email} will lose access to ${where}${state.scope ? '' : ' and all of its projects'}.`,
    confirm: self ? 'Leave' : 'Remove',
  });
  if (!ok) return;
  clearError();
  try {
    await api('DELETE', memberPath(m.userId));
    tr.remove();
    show(byId('members-empty'), byId('members-body').children.length === 0);
    say(self ? `You left ${where}.` : `${m.email} was removed.`);
    if (self) await loadMe();
  } catch (err) {
    showError(err);
  }
}

// ---------- invitations ----------

const deliveryLabel = {
  pending: ['Email queued', 'neutral'],
  sent: ['Email sent', 'neutral'],
  delivered: ['Email delivered', 'ok'],
  failed: ['Email failed', 'danger'],
  bounced: ['Email bounced', 'danger'],
  complained: ['Marked as spam', 'danger'],
};
const statusKind = { pending: 'info', expired: 'warn' };

async function loadInvites(reset) {
  const seq = state.loadSeq;
  const card = byId('invites-card');
  if (!canInvite()) {
    show(card, false);
    return;
  }
  show(card);
  const body = byId('invites-body');
  const more = byId('invites-more');
  if (reset) {
    state.invitesCursor = null;
    fill(body);
  }
  const q = new URLSearchParams({ status: 'all', limit: String(PAGE_SIZE) });
  if (!reset && state.invitesCursor) q.set('cursor', state.invitesCursor);
  card.setAttribute('aria-busy', 'true');
  more.disabled = true;
  try {
    const res = await api('GET', `${orgPath('invites')}?${q}`);
    if (seq !== state.loadSeq) return;
    for (const inv of res?.invites || []) body.append(inviteRow(inv));
    state.invitesCursor = res?.nextCursor || null;
  } catch (err) {
    if (seq === state.loadSeq) showError(err);
  } finally {
    card.removeAttribute('aria-busy');
    more.disabled = false;
  }
  show(more, !!state.invitesCursor);
  show(byId('invites-empty'), body.children.length === 0);
}

function inviteRow(inv) {
  const projects = (inv.projectIds || []).map(projectName);
  const access = [h('span', {}, `Organization: ${cap(inv.orgRole || 'user')}`)];
  if (projects.length) {
    access.push(h('br'), h('span', { class: 'muted' }, `${projects.join(', ')} (${cap(inv.projectRole)})`));
  }
  const [deliveryText, deliveryKind] = deliveryLabel[inv.delivery] || [cap(inv.delivery || ''), 'neutral'];
  const mine = inv.invitedBy && inv.invitedBy === state.me?.user?.email;
  const tr = h('tr', { dataset: { testid: 'invite-row', email: inv.email, status: inv.status, delivery: inv.delivery || '', inviteId: inv.id } });
  tr.append(
    h('td', { class: 'cell-email' }, inv.email,
      inv.invitedBy && !mine ? h('div', { class: 'muted small' }, `Invited by ${inv.invitedBy}`) : null),
    h('td', {}, access),
    h('td', {}, h('div', { class: 'badges' },
      badge(cap(inv.status), statusKind[inv.status] || 'neutral', { dataset: { testid: 'invite-status' } }),
      inv.delivery ? badge(deliveryText, deliveryKind, { dataset: { testid: 'invite-delivery' } }) : null)),
    h('td', { title: formatDateTime(inv.expiresAt) }, timeEl(inv.expiresAt)),
    h('td', { class: 'cell-actions' },
      h('button', {
        type: 'button', class: 'btn btn-small', dataset: { testid: 'invite-resend' },
        'aria-label': `Resend the invitation to ${inv.email}`, on: { click: (ev) => resendInvite(inv, tr, ev.currentTarget) },
      }, 'Resend'),
      h('button', {
        type: 'button', class: 'btn btn-quiet btn-small btn-danger-text', dataset: { testid: 'invite-revoke' },
        'aria-label': `Revoke the invitation to ${inv.email}`, on: { click: () => revokeInvite(inv, tr) },
      }, 'Revoke')),
  );
  return tr;
}

async function resendInvite(inv, tr, button) {
  button.disabled = true;
  clearError();
  try {
    const updated = await api('POST', orgPath('invites', inv.id, 'resend'));
    const row = inviteRow({ ...inv, ...(updated || {}) });
    tr.replaceWith(row);
    say(`A new invitation was sent to ${inv.email}.`);
    row.querySelector('[data-testid="invite-resend"]').focus();
  } catch (err) {
    button.disabled = false;
    showError(err);
  }
}

async function revokeInvite(inv, tr) {
  const ok = await confirmAction({
    title: `Revoke the invitation to ${inv.email}?`,
    text: 'The link in the email stops working. You can invite the address again later.',
    confirm: 'Revoke',
  });
  if (!ok) return;
  clearError();
  try {
    await api('DELETE', orgPath('invites', inv.id));
    tr.remove();
    show(byId('invites-empty'), byId('invites-body').children.length === 0);
    say(`The invitation to ${inv.email} was revoked.`);
    byId('invites-refresh').focus();
  } catch (err) {
    showError(err);
  }
}

// ---------- the invite dialog ----------

/** Splits the textarea into distinct addresses (commas, semicolons, spaces or new lines). */
function parseEmails(text) {
  const seen = new Set();
  const out = [];
  for (const raw of text.split(/[\s,;]+/)) {
    const e = raw.trim();
    if (!e) continue;
    const key = e.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out;
}

function openInviteDialog() {
  const dialog = byId('invite-dialog');
  const owner = isOrgOwner();
  const projects = (owner ? [...state.projects] : ownedProjects()).sort((a, b) => a.name.localeCompare(b.name));

  byId('invite-title').textContent = `Invite users to ${currentOrg().name}`;
  byId('invite-subtitle').textContent = owner
    ? 'Pick their role, the projects they join, and their addresses.'
    : 'You can invite people to the projects you own.';
  show(byId('invite-org-role-field'), owner);
  byId('invite-org-role').value = 'user';

  fill(byId('invite-projects'), projects.map((p, i) => h('div', { class: 'check' },
    h('input', {
      type: 'checkbox', id: `invite-project-${i}`, value: p.id, name: 'projectIds',
      dataset: { testid: 'invite-project', projectName: p.name },
    }),
    h('label', { for: `invite-project-${i}` }, p.name))));
  byId('invite-projects-hint').textContent = projects.length === 0
    ? 'This organization has no projects yet: invitees join the organization only.'
    : owner ? 'Optional: leave all unchecked to invite to the organization only.' : 'Pick at least one project.';
  byId('invite-project-role').value = 'member';
  syncProjectRole();
  byId('invite-emails').value = '';
  byId('invite-expires').value = '7';
  byId('invite-error').textContent = '';
  for (const el of dialog.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');

  show(byId('invite-step-form'));
  show(byId('invite-step-results'), false);
  show(byId('invite-submit'));
  byId('invite-submit').disabled = false;
  show(byId('invite-cancel'));
  show(byId('invite-done'), false);

  dialog.showModal();
  (owner ? byId('invite-org-role') : dialog.querySelector('[data-testid="invite-project"]') || byId('invite-emails')).focus();
}

function syncProjectRole() {
  const any = byId('invite-projects').querySelector('input:checked');
  byId('invite-project-role').disabled = !any;
}

const fieldIds = {
  emails: 'invite-emails', orgRole: 'invite-org-role', projectIds: 'invite-projects',
  projectRole: 'invite-project-role', expiresInDays: 'invite-expires',
};

async function submitInvite(ev) {
  ev.preventDefault();
  const errorEl = byId('invite-error');
  errorEl.textContent = '';
  const dialog = byId('invite-dialog');
  for (const el of dialog.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');

  const emails = parseEmails(byId('invite-emails').value);
  const projectIds = [...byId('invite-projects').querySelectorAll('input:checked')].map((c) => c.value);
  const days = Number(byId('invite-expires').value || 7);
  const fail = (id, message) => {
    errorEl.textContent = message;
    const el = byId(id);
    el.setAttribute('aria-invalid', 'true');
    (el.matches('input, select, textarea') ? el : el.querySelector('input') || el).focus();
  };
  if (emails.length === 0) return fail('invite-emails', 'Enter at least one email address.');
  if (emails.length > 50) return fail('invite-emails', `At most 50 addresses at once (you entered ${emails.length}).`);
  if (!isOrgOwner() && projectIds.length === 0) return fail('invite-projects', 'Pick at least one of your projects.');
  if (!Number.isInteger(days) || days < 1 || days > 30) return fail('invite-expires', 'The link can be valid for 1 to 30 days.');

  const body = { emails, projectIds, expiresInDays: days };
  if (isOrgOwner()) body.orgRole = byId('invite-org-role').value;
  if (projectIds.length) body.projectRole = byId('invite-project-role').value;

  const submit = byId('invite-submit');
  submit.disabled = true;
  dialog.setAttribute('aria-busy', 'true');
  try {
    const res = await api('POST', orgPath('invites'), body);
    showInviteResults(res?.results || []);
    loadMembers(true);
    loadInvites(true);
  } catch (err) {
    if (err.handled) {
      dialog.close();
      return;
    }
    errorEl.textContent = err instanceof ApiError ? describeInviteError(err, emails) : err.message;
    for (const f of err.fields || []) {
      const id = fieldIds[String(f.field || '').replace(/[[.].*$/, '')];
      if (id) byId(id).setAttribute('aria-invalid', 'true');
    }
    submit.disabled = false;
  } finally {
    dialog.removeAttribute('aria-busy');
  }
}

/** The problem's detail with field errors; "emails[2]" is named by its address. */
function describeInviteError(err, emails) {
  if (!err.fields.length) return err.detail;
  const names = { orgRole: 'Organization role', projectIds: 'Projects', projectRole: 'Project role', expiresInDays: 'Link validity' };
  const parts = err.fields.map((f) => {
    const m = /^emails\[(\d+)\]$/.exec(f.field || '');
    const label = m && emails[Number(m[1])] !== undefined ? emails[Number(m[1])] : names[f.field] || f.field || '';
    return label ? `${label}: ${f.message}` : f.message;
  });
  return `${err.detail.replace(/\.$/, '')}: ${parts.join('; ')}.`;
}

const resultText = {
  invited: ['Invited', 'ok'],
  added: ['Added', 'ok'],
  already_member: ['Already a member', 'neutral'],
  failed: ['Failed', 'danger'],
};

function showInviteResults(results) {
  const list = byId('invite-results');
  const counts = {};
  fill(list, results.map((r) => {
    counts[r.status] = (counts[r.status] || 0) + 1;
    const [label, kind] = resultText[r.status] || [cap(r.status), 'neutral'];
    const deliveryFailed = r.delivery === 'failed' || (r.status !== 'failed' && !!r.error);
    let detail;
    switch (r.status) {
      case 'invited':
        detail = `An invitation email was sent${r.expiresAt ? `; the link is valid until ${formatDateTime(r.expiresAt)}` : ''}.`;
        break;
      case 'added':
        detail = 'They already have an account and have access now. A notification email was sent.';
        break;
      case 'already_member':
        detail = 'Nothing to change: they already have this access.';
        break;
      case 'failed':
        detail = sentence(r.error?.detail || r.error?.title) || 'The address could not be invited.';
        break;
      default:
        detail = '';
    }
    if (deliveryFailed) {
      detail = r.status === 'invited'
        ? 'The invitation was saved, but the email could not be sent. Use Resend in the list of invitations.'
        : `${detail.replace(/ A notification email was sent\.$/, '')} The notification email could not be sent.`;
    }
    return h('li', { class: 'result', dataset: { testid: 'invite-result', email: r.email, status: r.status, delivery: deliveryFailed ? 'failed' : '' } },
      h('div', { class: 'result-head' },
        h('strong', { class: 'result-email' }, r.email),
        badge(label, kind, { dataset: { testid: 'invite-result-status' } }),
        deliveryFailed ? badge('Email not sent', 'danger') : null),
      h('p', { class: 'result-detail' }, detail));
  }));
  const parts = [];
  for (const [status, [label]] of Object.entries(resultText)) {
    if (counts[status]) parts.push(`${counts[status]} ${label.toLowerCase()}`);
  }
  byId('invite-results-summary').textContent = parts.join(' · ');
  show(byId('invite-step-form'), false);
  show(byId('invite-step-results'));
  show(byId('invite-submit'), false);
  show(byId('invite-cancel'), false);
  show(byId('invite-done'));
  byId('invite-results-title').focus();
  say(`Invitations: ${parts.join(', ')}.`);
}

// ---------- confirm dialog ----------

function confirmAction({ title, text, confirm }) {
  const dialog = byId('confirm-dialog');
  byId('confirm-title').textContent = title;
  byId('confirm-text').textContent = text;
  byId('confirm-ok').textContent = confirm;
  const opener = document.activeElement;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'ok');
      if (opener && opener.isConnected) opener.focus();
    }, { once: true });
    dialog.showModal();
  });
}

// ---------- forms and wiring ----------

async function createOrg(ev) {
  ev.preventDefault();
  const input = byId('org-name');
  const errorEl = byId('org-error');
  errorEl.textContent = '';
  const name = input.value.trim();
  if (!name) {
    errorEl.textContent = 'Enter a name for the organization.';
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  input.removeAttribute('aria-invalid');
  const button = ev.submitter || byId('org-form').querySelector('button');
  button.disabled = true;
  try {
    const org = await api('POST', '/orgs', { name });
    input.value = '';
    say(`Organization ${org.name} created.`);
    await loadMe(org.id);
  } catch (err) {
    if (!err.handled) errorEl.textContent = err instanceof ApiError ? err.fullMessage : err.message;
  } finally {
    button.disabled = false;
  }
}

async function createProject(ev) {
  ev.preventDefault();
  const input = byId('project-name');
  const errorEl = byId('project-error');
  errorEl.textContent = '';
  const name = input.value.trim();
  if (!name) {
    errorEl.textContent = 'Enter a name for the project.';
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  input.removeAttribute('aria-invalid');
  const button = ev.submitter || byId('project-form').querySelector('button');
  button.disabled = true;
  try {
    const project = await api('POST', orgPath('projects'), { name });
    input.value = '';
    say(`Project ${project.name} created.`);
    await loadMe(state.orgId);
    input.focus();
  } catch (err) {
    if (!err.handled) errorEl.textContent = err instanceof ApiError ? err.fullMessage : err.message;
  } finally {
    button.disabled = false;
  }
}

function wire() {
  byId('sign-out').addEventListener('click', async () => {
    sessionStorage.removeItem(ORG_KEY);
    if (!(await signOut('/'))) {
      history.replaceState(null, '', '/');
      showSignIn('You signed out.');
    }
  });
  byId('banner-close').addEventListener('click', clearError);
  byId('org-select').addEventListener('change', (ev) => {
    clearError();
    selectOrg(ev.target.value);
  });
  byId('members-scope').addEventListener('change', (ev) => {
    state.scope = ev.target.value;
    loadMembers(true);
  });
  pager = new MemberPager({
    fetchPage: fetchMembersPage,
    render: (members) => fill(byId('members-body'), members.map(memberRow)),
    onError: showError,
  });
  byId('invites-more').addEventListener('click', () => loadInvites(false));
  byId('invites-refresh').addEventListener('click', () => loadInvites(true));
  byId('org-form').addEventListener('submit', createOrg);
  byId('project-form').addEventListener('submit', createProject);

  const invite = byId('invite-dialog');
  byId('invite-open').addEventListener('click', openInviteDialog);
  byId('invite-form').addEventListener('submit', submitInvite);
  byId('invite-projects').addEventListener('change', syncProjectRole);
  byId('invite-cancel').addEventListener('click', () => invite.close());
  byId('invite-done').addEventListener('click', () => invite.close());
  invite.addEventListener('close', () => {
    const opener = byId('invite-open');
    if (!opener.hidden) opener.focus();
  });

  const confirm = byId('confirm-dialog');
  byId('confirm-ok').addEventListener('click', () => confirm.close('ok'));
  byId('confirm-cancel').addEventListener('click', () => confirm.close('cancel'));
}

async function main() {
  wire();
  try {
    await loadConfig();
  } catch {
    show(byId('loading'), false);
    showError(new Error('The console could not load its configuration (/config.json). Reload the page to try again.'));
    return;
  }
  try {
    await completeSignIn();
  } catch (err) {
    showSignIn(err.message);
    return;
  }
  if (!getSession()) {
    showSignIn();
    return;
  }
  await loadMe();
}

main();
