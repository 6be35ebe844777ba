// The invite links card (create, list, disable) and the seats card (what
// is used; owners set the limit). What the caller may do comes from the
// API: grantable roles from GET /me and the project list, each link's
// canManage, and org:seats:manage.

import { ApiError } from './api.js';
import { badge, byId, cap, fill, formatDateTime, h, show, timeEl } from './dom.js';
import {
  api, canManageInvites, clearError, confirmAction, defaultRole, grantableOrgRoles, grantableProjectRoles,
  grantableProjects, orgCan, orgPath, say, showError, state,
} from './context.js';

const statusKind = { active: 'ok', expired: 'warn', disabled: 'neutral', used_up: 'warn' };
const statusText = { active: 'Active', expired: 'Expired', disabled: 'Disabled', used_up: 'Used up' };

// ---------- invite links ----------

export async function loadLinks() {
  const seq = state.loadSeq;
  const card = byId('links-card');
  show(byId('link-created'), false);
  if (!canManageInvites()) {
    show(card, false);
    return;
  }
  renderLinkForm();
  show(card);
  try {
    const res = await api('GET', orgPath('invite-links'));
    if (seq !== state.loadSeq) return;
    fill(byId('links-body'), (res?.links || []).map(linkRow));
  } catch (err) {
    if (seq === state.loadSeq) showError(err);
  }
  show(byId('links-empty'), byId('links-body').children.length === 0);
}

function renderLinkForm() {
  const orgRoles = grantableOrgRoles();
  const projects = grantableProjects();
  const orgRole = byId('link-org-role');
  // Without org:invites:manage a link must name a project (policy: project owners).
  const roles = orgRoles.length ? orgRoles : ['member'];
  fill(orgRole, roles.map((r) => h('option', { value: r, selected: r === defaultRole(roles) }, cap(r))));
  const project = byId('link-project');
  fill(project, orgRoles.length ? h('option', { value: '' }, 'No project') : null,
    projects.map((p) => h('option', { value: p.id }, p.name)));
  syncLinkProjectRole();
}

function syncLinkProjectRole() {
  const pid = byId('link-project').value;
  const roles = pid ? grantableProjectRoles(pid) : [];
  const sel = byId('link-project-role');
  fill(sel, roles.map((r) => h('option', { value: r, selected: r === defaultRole(roles) }, cap(r))));
  sel.disabled = !pid;
}

function linkRow(l) {
  const access = [h('span', {}, `Organization: ${cap(l.orgRole)}`)];
  for (const p of l.projects || []) access.push(h('br'), h('span', { class: 'muted' }, `${p.name || p.id} (${cap(p.role)})`));
  if ((l.allowedDomains || []).length) access.push(h('br'), h('span', { class: 'muted small' }, `Only ${l.allowedDomains.join(', ')}`));
  const tr = h('tr', { dataset: { testid: 'link-row', linkId: l.id, status: l.status, uses: String(l.uses) } });
  tr.append(
    h('td', {}, access, h('div', { class: 'muted small' }, `Created by ${l.createdBy}`)),
    h('td', { dataset: { testid: 'link-uses' } }, `${l.uses} of ${l.maxUses}`),
    h('td', {}, badge(statusText[l.status] || cap(l.status), statusKind[l.status] || 'neutral', { dataset: { testid: 'link-status' } })),
    h('td', { title: formatDateTime(l.expiresAt) }, timeEl(l.expiresAt)),
    h('td', { class: 'cell-actions' }, l.canManage && l.status === 'active' ? h('button', {
      type: 'button', class: 'btn btn-quiet btn-small btn-danger-text', dataset: { testid: 'link-disable' },
      'aria-label': 'Disable this invite link', on: { click: () => disableLink(l) },
    }, 'Disable') : null),
  );
  return tr;
}

async function createLink(ev) {
  ev.preventDefault();
  const errorEl = byId('link-error');
  errorEl.textContent = '';
  const body = { orgRole: byId('link-org-role').value };
  const pid = byId('link-project').value;
  if (pid) body.projects = [{ id: pid, role: byId('link-project-role').value }];
  const uses = Number(byId('link-max-uses').value);
  const days = Number(byId('link-expires').value);
  if (uses) body.maxUses = uses;
  if (days) body.expiresInDays = days;
  const domains = byId('link-domains').value.split(/[\s,;]+/).filter(Boolean);
  if (domains.length) body.allowedDomains = domains;
  const button = ev.submitter || byId('link-form').querySelector('button');
  button.disabled = true;
  try {
    const link = await api('POST', orgPath('invite-links'), body);
    await loadLinks();
    byId('link-url').value = link.url;
    show(byId('link-created'));
    byId('link-url').select();
    say('Invite link created. Copy it now: it is shown only once.');
  } catch (err) {
    if (!err.handled) errorEl.textContent = err instanceof ApiError ? err.fullMessage : err.message;
  } finally {
    button.disabled = false;
  }
}

async function disableLink(l) {
  const ok = await confirmAction({
    title: 'Disable this invite link?',
    text: 'Nobody can join by it any more. People who already joined stay members.',
    confirm: 'Disable',
  });
  if (!ok) return;
  clearError();
  try {
    await api('DELETE', orgPath('invite-links', l.id));
    say('The invite link was disabled.');
    await loadLinks();
  } catch (err) {
    showError(err);
  }
}

// ---------- seats ----------

export async function loadSeats() {
  const seq = state.loadSeq;
  const card = byId('seats-card');
  let org;
  try {
    org = await api('GET', orgPath());
  } catch (err) {
    if (seq === state.loadSeq) showError(err);
    return;
  }
  if (seq !== state.loadSeq) return;
  const limit = org.seatLimit;
  byId('seats-summary').textContent = limit == null
    ? `${org.seatsUsed} ${org.seatsUsed === 1 ? 'seat' : 'seats'} used, no limit`
    : `${org.seatsUsed} of ${limit} seats used`;
  byId('seats-summary').dataset.used = String(org.seatsUsed);
  const form = byId('seats-form');
  const owner = orgCan('org:seats:manage');
  show(form, owner);
  if (owner) {
    byId('seats-limit').value = limit == null ? '' : String(limit);
    byId('seats-count-invites').checked = !!org.seatsCountPendingInvites;
  }
  show(card);
}

async function saveSeats(ev) {
  ev.preventDefault();
  const errorEl = byId('seats-error');
  errorEl.textContent = '';
  const raw = byId('seats-limit').value.trim();
  const body = { seatLimit: raw === '' ? null : Number(raw), seatsCountPendingInvites: byId('seats-count-invites').checked };
  const button = ev.submitter || byId('seats-form').querySelector('button');
  button.disabled = true;
  try {
    await api('PATCH', orgPath(), body);
    say('Seats saved.');
    await loadSeats();
  } catch (err) {
    if (!err.handled) errorEl.textContent = err instanceof ApiError ? err.fullMessage : err.message;
  } finally {
    button.disabled = false;
  }
}

export function wireLinks() {
  byId('link-form').addEventListener('submit', createLink);
  byId('link-project').addEventListener('change', syncLinkProjectRole);
  byId('link-copy').addEventListener('click', async () => {
    const input = byId('link-url');
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
      say('Link copied.');
    } catch {
      say('Select the link and copy it.');
    }
  });
  byId('seats-form').addEventListener('submit', saveSeats);
}
