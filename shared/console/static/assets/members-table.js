// The members table: the organization's members, or one project's, with
// role pickers and remove / leave buttons where the caller's permissions
// allow them.

import { badge, byId, cap, fill, h, show, timeEl } from './dom.js';
import {
  PAGE_SIZE, PROJECT_ROLES, api, assignableOrgRoles, clearError, confirmAction, currentOrg, hooks, orgCan,
  orgPath, projectCan, projectName, say, showError, state,
} from './context.js';

export async function loadMembers(reset) {
  const seq = state.loadSeq;
  const body = byId('members-body');
  const more = byId('members-more');
  if (reset) {
    state.membersCursor = null;
    fill(body);
  }
  const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (!reset && state.membersCursor) q.set('cursor', state.membersCursor);
  const path = state.scope ? orgPath('projects', state.scope, 'members') : orgPath('members');
  byId('members-card').setAttribute('aria-busy', 'true');
  more.disabled = true;
  try {
    const res = await api('GET', `${path}?${q}`);
    if (seq !== state.loadSeq) return;
    for (const m of res?.members || []) body.append(memberRow(m));
    state.membersCursor = res?.nextCursor || null;
  } catch (err) {
    if (seq === state.loadSeq) showError(err);
  } finally {
    byId('members-card').removeAttribute('aria-busy');
    more.disabled = false;
  }
  show(more, !!state.membersCursor);
  show(byId('members-empty'), body.children.length === 0);
}

function memberPath(userId) {
  return state.scope ? orgPath('projects', state.scope, 'members', userId) : orgPath('members', userId);
}

/** The roles the caller may set for member m in the current scope (none: read-only). */
function rolesFor(m) {
  if (state.scope) return projectCan(state.scope, 'project:members:manage') ? PROJECT_ROLES : [];
  const roles = assignableOrgRoles(false);
  // An owner's role is changed only by those who may give the owner role.
  return roles.includes(m.role) ? roles : [];
}

function memberRow(m) {
  const self = m.userId === state.me.user?.id;
  const roles = rolesFor(m);
  const tr = h('tr', { dataset: { testid: 'member-row', email: m.email, role: m.role, userId: m.userId } });

  let roleCell;
  if (roles.length) {
    const select = h('select', {
      'aria-label': `Role of ${m.email}`, class: 'select-small', dataset: { testid: 'member-role' },
    }, roles.map((r) => h('option', { value: r, selected: r === m.role }, cap(r))));
    select.value = m.role;
    select.addEventListener('change', () => changeRole(m, select, tr, self));
    roleCell = select;
  } else {
    roleCell = badge(cap(m.role), m.role === 'owner' ? 'accent' : 'neutral', { dataset: { testid: 'member-role' } });
  }

  const remove = state.scope ? projectCan(state.scope, 'project:members:manage') : orgCan('org:members:manage') && roles.length > 0;
  let action = null;
  if (remove || self) {
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
    if (self) await hooks.reload(state.orgId);
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
      : `${m.email} will lose access to ${where}${state.scope ? '' : ' and all of its projects'}. Invitations they sent that they could no longer send are revoked.`,
    confirm: self ? 'Leave' : 'Remove',
  });
  if (!ok) return;
  clearError();
  try {
    await api('DELETE', memberPath(m.userId));
    tr.remove();
    show(byId('members-empty'), byId('members-body').children.length === 0);
    say(self ? `You left ${where}.` : `${m.email} was removed.`);
    if (self) await hooks.reload();
  } catch (err) {
    showError(err);
  }
}
