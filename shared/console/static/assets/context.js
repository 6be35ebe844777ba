// What the Users tab's parts share: the page state, the API with the
// session, messages, the confirm dialog, and what the caller may do, read
// only from what the API gives (GET /me and GET /orgs/{orgId}/projects:
// permissions and the roles the caller may grant; each member row's
// canManage): this file holds no copy of the rules.

import { ApiError, request, seg } from './api.js';
import { clearSession, getSession } from './auth.js';
import { announce, byId, show } from './dom.js';

export const PAGE_SIZE = 50;

export const state = {
  me: null, // GET /me: {user, orgs, projects}, each org and project with role, permissions and grantable roles
  orgId: '',
  projects: [], // GET /orgs/{orgId}/projects: the projects the caller has access to, with role, permissions and grantable roles
  scope: '', // '' = the organization, else a project id
  invitesCursor: null,
  loadSeq: 0, // drops answers of a previous organization
};

/** Set by users.js: show the sign-in, reload /me (optionally selecting an org). */
export const hooks = { showSignIn: () => {}, reload: async () => {} };

/** Calls the API as the signed-in user. A 401 ends the session and shows the sign-in. */
export async function api(method, path, body) {
  const s = getSession();
  if (!s) {
    hooks.showSignIn('Sign in to continue.');
    throw Object.assign(new ApiError(401, { detail: 'Not signed in.' }), { handled: true });
  }
  try {
    return await request(method, path, { body, token: s.token });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      clearSession();
      hooks.showSignIn('Your session has ended. Sign in again.');
      err.handled = true;
    }
    throw err;
  }
}

export const orgPath = (...parts) => `/orgs/${seg(state.orgId)}${parts.map((p) => `/${seg(p)}`).join('')}`;

// ---------- messages ----------

export function showError(err) {
  if (err && err.handled) return;
  const text = err instanceof ApiError ? err.fullMessage : (err && err.message) || String(err);
  byId('banner-text').textContent = text;
  show(byId('banner'));
}

export function clearError() {
  show(byId('banner'), false);
  byId('banner-text').textContent = '';
}

export function say(message) {
  announce(byId('status'), message);
}

export function confirmAction({ title, text, confirm }) {
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

// ---------- the organization, its projects, and the caller's permissions ----------

export function currentOrg() {
  return state.me?.orgs.find((o) => o.id === state.orgId) || null;
}

/** The caller's access to project id: {role, permissions, via}, or null. */
export function projectAccess(id) {
  return state.projects.find((p) => p.id === id)
    || state.me?.projects.find((p) => p.id === id && p.orgId === state.orgId) || null;
}

/** Whether the caller's organization role grants permission. */
export function orgCan(permission) {
  return !!currentOrg()?.permissions?.includes(permission);
}

/** Whether the caller's (effective) role in project id grants permission. */
export function projectCan(id, permission) {
  return !!projectAccess(id)?.permissions?.includes(permission);
}

/** The organization's projects in which the caller has permission, by name. */
export function projectsWhere(permission) {
  return state.projects.filter((p) => projectCan(p.id, permission)).sort((a, b) => a.name.localeCompare(b.name));
}

/** Whether the caller may invite anyone and see invitations. */
export function canManageInvites() {
  return orgCan('org:invites:manage') || projectsWhere('project:members:manage').length > 0;
}

export function projectName(id) {
  return state.projects.find((p) => p.id === id)?.name || state.me?.projects.find((p) => p.id === id)?.name || id;
}

/**
 * The organization roles the caller may give without naming a project (in
 * an invite, and to a member whose row says canManage), strongest first:
 * GET /me's grantableOrgRoles.
 */
export function grantableOrgRoles() {
  return currentOrg()?.grantableOrgRoles || [];
}

/** The project roles the caller may give in project id, strongest first: its grantableProjectRoles. */
export function grantableProjectRoles(id) {
  return projectAccess(id)?.grantableProjectRoles || [];
}

/** The organization's projects in which the caller may give roles, by name. */
export function grantableProjects() {
  return state.projects.filter((p) => grantableProjectRoles(p.id).length > 0).sort((a, b) => a.name.localeCompare(b.name));
}

/** The role a picker of roles (strongest first) starts on: member when offered, else the weakest. */
export function defaultRole(roles) {
  return roles.includes('member') ? 'member' : roles[roles.length - 1] || '';
}

/** The hint shown for each role in pickers. */
export const roleHints = {
  owner: 'Manages everything, including owners.',
  manager: 'Manages members, projects and invitations, but not owners.',
  member: 'Sees the organization and the projects they are in.',
};
