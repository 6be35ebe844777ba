// Directory sync (SCIM), for those who manage it (org:directory:manage:
// owners): the directory tokens an identity provider (Okta, Microsoft
// Entra ID) authenticates with — create one (its secret is shown once),
// see when each was last used, revoke it — and the directory's groups,
// each mapped to an organization role and project roles.

import { ApiError } from './api.js';
import { byId, cap, fill, h, show, timeEl } from './dom.js';
import { api, clearError, confirmAction, orgCan, orgPath, say, showError, state } from './context.js';

const orgRoles = ['owner', 'manager', 'member'];
const projectRoles = ['owner', 'member', 'viewer'];

/** The SCIM base URL of this API, for the identity provider's settings. */
async function scimBaseURL() {
  const res = await fetch('/config.json', { cache: 'no-cache' }).then((r) => r.json()).catch(() => ({}));
  const base = (res.apiBaseUrl || location.origin).replace(/\/+$/, '');
  return `${base}/scim/v2`;
}

export async function loadDirectory() {
  const seq = state.loadSeq;
  const card = byId('directory-card');
  if (!orgCan('org:directory:manage')) {
    show(card, false);
    return;
  }
  show(card);
  show(byId('directory-secret'), false);
  try {
    const [tokens, groups] = await Promise.all([api('GET', orgPath('scim-tokens')), api('GET', orgPath('scim-groups'))]);
    if (seq !== state.loadSeq) return;
    fill(byId('directory-tokens'), (tokens?.tokens || []).map(tokenItem));
    fill(byId('directory-groups'), (groups?.groups || []).map(groupItem));
    show(byId('directory-groups-empty'), !(groups?.groups || []).length);
  } catch (err) {
    if (seq === state.loadSeq) showError(err);
  }
}

function tokenItem(t) {
  const li = h('li', { dataset: { testid: 'directory-token', tokenId: t.id } },
    h('span', {}, h('strong', {}, t.name), h('span', { class: 'muted small' }, ` · new users join as ${cap(t.defaultOrgRole)} · `),
      t.lastUsedAt ? h('span', { class: 'muted small' }, 'last used ', timeEl(t.lastUsedAt)) : h('span', { class: 'muted small' }, 'never used')),
    h('button', { type: 'button', class: 'btn btn-quiet btn-small btn-danger-text', dataset: { testid: 'directory-token-revoke' },
      'aria-label': `Revoke ${t.name}`, on: { click: () => revoke(t, li) } }, 'Revoke'));
  return li;
}

async function revoke(t, li) {
  const ok = await confirmAction({
    title: `Revoke ${t.name}?`,
    text: 'The identity provider can no longer provision with it, from its next request on.',
    confirm: 'Revoke',
  });
  if (!ok) return;
  clearError();
  try {
    await api('DELETE', orgPath('scim-tokens', t.id));
    li.remove();
    say(`${t.name} was revoked.`);
  } catch (err) {
    showError(err);
  }
}

export async function createToken(ev) {
  ev.preventDefault();
  const name = byId('directory-token-name');
  const errorEl = byId('directory-error');
  errorEl.textContent = '';
  if (!name.value.trim()) {
    errorEl.textContent = 'Name the token, such as Okta.';
    name.focus();
    return;
  }
  const button = ev.submitter || byId('directory-form').querySelector('button');
  button.disabled = true;
  try {
    const t = await api('POST', orgPath('scim-tokens'), { name: name.value.trim(), defaultOrgRole: byId('directory-token-role').value });
    name.value = '';
    byId('directory-tokens').append(tokenItem(t));
    byId('directory-secret-value').value = t.token;
    byId('directory-base-url').value = await scimBaseURL();
    show(byId('directory-secret'));
    say(`Copy the token now: it is not shown again.`);
  } catch (err) {
    if (!err.handled) errorEl.textContent = err instanceof ApiError ? err.fullMessage : err.message;
  } finally {
    button.disabled = false;
  }
}

function roleSelect(id, roles, value, label) {
  return h('select', { id, class: 'select-small', 'aria-label': label, dataset: { testid: id.replace(/-scg_.*$/, '') } },
    h('option', { value: '', selected: !value }, 'None'),
    roles.map((r) => h('option', { value: r, selected: r === value }, cap(r))));
}

function groupItem(g) {
  const li = h('li', { class: 'stack', dataset: { testid: 'directory-group', groupId: g.id, name: g.displayName, orgRole: g.orgRole || '' } });
  const orgRole = roleSelect(`directory-group-org-role-${g.id}`, orgRoles, g.orgRole || '', `Organization role of ${g.displayName}`);
  const projects = state.projects.map((p) => {
    const cur = (g.projects || []).find((x) => x.id === p.id)?.role || '';
    const sel = roleSelect(`directory-group-project-role-${g.id}-${p.id}`, projectRoles, cur, `Role of ${g.displayName} in ${p.name}`);
    sel.dataset.testid = 'directory-group-project-role';
    sel.dataset.projectId = p.id;
    return h('div', { class: 'field' }, h('label', { for: sel.id }, p.name), sel);
  });
  const save = h('button', { type: 'button', class: 'btn btn-small', dataset: { testid: 'directory-group-save' },
    on: { click: async (ev) => {
      const button = ev.currentTarget;
      button.disabled = true;
      clearError();
      try {
        const body = { projects: [] };
        if (orgRole.value) body.orgRole = orgRole.value;
        li.querySelectorAll('[data-testid="directory-group-project-role"]').forEach((s) => {
          if (s.value) body.projects.push({ id: s.dataset.projectId, role: s.value });
        });
        const updated = await api('PUT', orgPath('scim-groups', g.id, 'grants'), body);
        li.replaceWith(groupItem(updated));
        say(`Members of ${g.displayName} now get ${updated.orgRole ? cap(updated.orgRole) : 'the default role'}.`);
      } catch (err) {
        showError(err);
      } finally {
        button.disabled = false;
      }
    } } }, 'Save');
  li.append(h('strong', {}, g.displayName),
    h('div', { class: 'field' }, h('label', { for: orgRole.id }, 'Organization role'), orgRole),
    ...projects, h('div', { class: 'actions actions-start' }, save));
  return li;
}
