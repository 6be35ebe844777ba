// The Users tab: sign in, pick an organization, see its projects, and wire
// the members table (members-table.js, its search box and pages in
// member-search.js), the invitations table (invites-table.js) and the
// invite dialog (invite-dialog.js). What is shown comes from the roles and
// permissions the API gives (context.js).

import { ApiError, loadConfig } from './api.js';
import { completeSignIn, getSession, signOut } from './auth.js';
import { badge, byId, cap, fill, h, show } from './dom.js';
import { renderSignIn } from './signin.js';
import {
  api, canManageInvites, clearError, currentOrg, hooks, orgCan, orgPath, projectAccess, projectCan, say,
  showError, state,
} from './context.js';
import { loadMembers, wireMembers } from './members-table.js';
import { loadInvites, setEditor } from './invites-table.js';
import { loadLinks, loadSeats, wireLinks } from './links-card.js';
import { applyRoleToAll, openEditDialog, openInviteDialog, submitInvite, syncProjectRoles } from './invite-dialog.js';
import { addDomain, loadDomains, loadJoinRequests, renderSuggestions } from './domains.js';
import { createToken, loadDirectory } from './directory.js';

const ORG_KEY = 'members.orgId';

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
  state.me.suggestedOrgs ||= [];
  show(byId('loading'), false);
  show(byId('signin-view'), false);
  byId('account-email').textContent = state.me.user?.email || getSession()?.email || '';
  show(byId('account'));
  show(byId('app-view'));
  renderSuggestions();

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
  show(byId('domains-card'), false);
  show(byId('join-requests-card'), false);
  show(byId('seats-card'), false);
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
  show(byId('invite-open'), canManageInvites());
  await Promise.all([loadMembers(), loadInvites(true), loadJoinRequests(), loadDomains(), loadLinks(), loadSeats(), loadDirectory()]);
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
    const a = projectAccess(p.id);
    return h('li', { dataset: { testid: 'project-item', projectId: p.id, projectName: p.name, role: a?.role || '', via: a?.via || '' } },
      h('span', { class: 'project-name' }, p.name),
      a?.role ? badge(a.via === 'org' ? `${cap(a.role)} (via organization)` : cap(a.role), a.role === 'owner' ? 'accent' : 'neutral') : null);
  }));
  show(byId('projects-empty'), projects.length === 0);
  show(byId('project-form'), orgCan('org:projects:create'));

  // Project member lists the caller may read.
  const scope = byId('members-scope');
  fill(scope,
    h('option', { value: '' }, 'Everyone in the organization'),
    projects.filter((p) => projectCan(p.id, 'project:members:read')).map((p) => h('option', { value: p.id }, `Project: ${p.name}`)));
  scope.value = state.scope;
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
  hooks.showSignIn = showSignIn;
  hooks.reload = loadMe;
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
    loadMembers();
  });
  wireMembers();
  wireLinks();
  byId('invites-more').addEventListener('click', () => loadInvites(false));
  byId('invites-refresh').addEventListener('click', () => loadInvites(true));
  byId('org-form').addEventListener('submit', createOrg);
  byId('project-form').addEventListener('submit', createProject);
  byId('domain-form').addEventListener('submit', addDomain);
  byId('directory-form').addEventListener('submit', createToken);

  const invite = byId('invite-dialog');
  setEditor(openEditDialog);
  byId('invite-open').addEventListener('click', openInviteDialog);
  byId('invite-form').addEventListener('submit', submitInvite);
  byId('invite-projects').addEventListener('change', syncProjectRoles);
  byId('invite-project-role').addEventListener('change', applyRoleToAll);
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
