// The members table: the organization's members, or one project's, with
// role pickers and remove buttons on the rows the API says the caller may
// manage (canManage), offering the roles it says they may grant, and a
// leave button on their own row. Its search box and pages are
// member-search.js.

import { badge, byId, cap, endOfDay, fill, h, show, timeEl } from './dom.js';
import { MemberPager } from './member-search.js';
import {
  PAGE_SIZE, api, clearError, confirmAction, currentOrg, grantableOrgRoles, grantableProjectRoles, hooks,
  orgCan, orgPath, projectName, say, showError, state,
} from './context.js';

let pager; // MemberPager (member-search.js): the search box and the pages

/** Wires the members table's search box and pages; once, at start. */
export function wireMembers() {
  pager = new MemberPager({
    fetchPage: fetchMembersPage,
    render: (members) => fill(byId('members-body'), members.map(memberRow)),
    onError: showError,
  });
}

/** Shows the first page of members (of the current search) in the current scope. */
export function loadMembers() {
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

/** The roles the caller may set for member m in the current scope (none: read-only), as the API says. */
function rolesFor(m) {
  if (!m.canManage) return [];
  return state.scope ? grantableProjectRoles(state.scope) : grantableOrgRoles();
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

  let action = null;
  if (m.managedByDirectory && !state.scope && orgCan('org:directory:manage')) {
    // The directory manages them: an owner detaches them to manage them here.
    action = h('button', {
      type: 'button', class: 'btn btn-quiet btn-small', dataset: { testid: 'member-detach' },
      'aria-label': `Detach ${m.email} from the directory`,
      on: { click: () => detachMember(m) },
    }, 'Detach');
  } else if (m.canManage || self) {
    action = h('button', {
      type: 'button', class: 'btn btn-quiet btn-small btn-danger-text', dataset: { testid: 'member-remove' },
      'aria-label': self ? `Leave ${state.scope ? `project ${projectName(state.scope)}` : currentOrg().name}` : `Remove ${m.email}`,
      on: { click: () => removeMember(m, tr, self) },
    }, self ? 'Leave' : 'Remove');
  }

  tr.append(
    h('td', { class: 'cell-email' }, m.email, self ? h('span', { class: 'you' }, ' (you)') : null,
      m.managedByDirectory ? badge('Directory', 'info', { dataset: { testid: 'member-managed' }, title: 'Managed by your identity provider (SCIM)' }) : null),
    h('td', {}, roleCell),
    h('td', {}, timeEl(m.joinedAt)),
    h('td', { dataset: { testid: 'member-access-until' } }, accessUntilCell(m, self)),
    h('td', { class: 'cell-actions' }, action),
  );
  return tr;
}

/**
 * When m's access ends: a date picker on the rows the caller may manage
 * (not their own, not an owner's: owners' access does not end), else the
 * date or "—". The API decides who may set it (the same rules as roles).
 */
function accessUntilCell(m, self) {
  const date = m.accessExpiresAt ? m.accessExpiresAt.slice(0, 10) : '';
  if (!m.canManage || self || (!state.scope && m.role === 'owner')) {
    return date ? timeEl(m.accessExpiresAt) : h('span', { class: 'muted' }, '—');
  }
  const input = h('input', {
    type: 'date', value: date, class: 'select-small', 'aria-label': `Access of ${m.email} until`,
    dataset: { testid: 'member-access-until-input' },
  });
  input.addEventListener('change', () => changeAccessUntil(m, input));
  return input;
}

async function changeAccessUntil(m, input) {
  const prev = m.accessExpiresAt ? m.accessExpiresAt.slice(0, 10) : '';
  input.disabled = true;
  clearError();
  try {
    const updated = await api('PATCH', memberPath(m.userId), { accessExpiresAt: endOfDay(input.value) });
    m.accessExpiresAt = updated?.accessExpiresAt || null;
    say(m.accessExpiresAt ? `${m.email} has access until ${input.value}.` : `${m.email}'s access no longer ends.`);
  } catch (err) {
    input.value = prev;
    showError(err);
  } finally {
    input.disabled = false;
  }
}

async function detachMember(m) {
  const ok = await confirmAction({
    title: `Detach ${m.email}?`,
    text: 'Your identity provider stops managing their access here; you can then change or remove them.',
    confirm: 'Detach',
  });
  if (!ok) return;
  clearError();
  try {
    await api('POST', orgPath('members', m.userId, 'detach'));
    say(`${m.email} is no longer managed by the directory.`);
    await loadMembers();
  } catch (err) {
    showError(err);
  }
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
