// The invite dialog: addresses, an organization role (offered only when
// GET /me says the caller may grant some: grantableOrgRoles), and projects
// each with its own role (the projects and roles the API says the caller
// may grant: grantableProjectRoles). Sends
// {emails, orgRole?, projects: [{id, role}], expiresInDays}. The same
// dialog edits a pending invitation (PATCH): its link keeps working and
// grants the new terms.

import { ApiError, sentence } from './api.js';
import { badge, byId, cap, endOfDay, fill, formatDateTime, h, show } from './dom.js';
import {
  api, currentOrg, defaultRole, grantableOrgRoles, grantableProjectRoles, grantableProjects, orgPath, roleHints, say,
} from './context.js';
import { loadInvites } from './invites-table.js';
import { loadMembers } from './members-table.js';

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

// The invitation being edited, or null when inviting.
let editing = null;

/** Opens the dialog to edit pending invitation inv ({id, email, orgRole, projects, …}). */
export function openEditDialog(inv) {
  openInviteDialog();
  editing = inv;
  byId('invite-title').textContent = `Edit the invitation to ${inv.email}`;
  byId('invite-subtitle').textContent = 'The link already sent keeps working and grants these terms; no new email is sent.';
  show(byId('invite-emails-field'), false);
  if (inv.orgRole) byId('invite-org-role').value = inv.orgRole;
  const roles = new Map((inv.projects || []).map((p) => [p.id, p.role]));
  for (const row of byId('invite-projects').querySelectorAll('.check')) {
    const box = row.querySelector('input');
    box.checked = roles.has(box.value);
    if (box.checked) row.querySelector('select').value = roles.get(box.value);
  }
  syncProjectRoles();
  byId('invite-expires-label').textContent = 'Valid for (days from now; empty: unchanged)';
  byId('invite-expires').value = '';
  byId('invite-access-until').value = inv.accessExpiresAt ? inv.accessExpiresAt.slice(0, 10) : '';
  byId('invite-submit').textContent = 'Save';
}

export function openInviteDialog() {
  const dialog = byId('invite-dialog');
  editing = null;
  show(byId('invite-emails-field'));
  byId('invite-expires-label').textContent = 'Link valid for (days)';
  byId('invite-submit').textContent = 'Invite';
  const orgRoles = grantableOrgRoles();
  const projects = grantableProjects();
  const orgWide = orgRoles.length > 0;

  byId('invite-title').textContent = `Invite users to ${currentOrg().name}`;
  byId('invite-subtitle').textContent = orgWide
    ? 'Pick their role, the projects they join with a role in each, and their addresses.'
    : 'You can invite people to the projects you own.';
  const roleSelect = byId('invite-org-role');
  fill(roleSelect, [...orgRoles].reverse().map((r) => h('option', { value: r }, cap(r))));
  roleSelect.value = defaultRole(orgRoles);
  byId('invite-org-role-hint').textContent = orgRoles.map((r) => `${cap(r)}: ${roleHints[r]}`).join(' ');
  show(byId('invite-org-role-field'), orgWide);

  fill(byId('invite-projects'), projects.map((p, i) => {
    const roles = grantableProjectRoles(p.id);
    return h('div', { class: 'check check-role' },
      h('input', {
        type: 'checkbox', id: `invite-project-${i}`, value: p.id, name: 'projectIds',
        dataset: { testid: 'invite-project', projectName: p.name },
      }),
      h('label', { for: `invite-project-${i}` }, p.name),
      h('select', {
        class: 'select-small', 'aria-label': `Role in ${p.name}`, disabled: true,
        dataset: { testid: 'invite-project-role-select', projectName: p.name },
      }, roles.map((r) => h('option', { value: r, selected: r === defaultRole(roles) }, cap(r)))));
  }));
  byId('invite-projects-hint').textContent = projects.length === 0
    ? 'This organization has no projects yet: invitees join the organization only.'
    : orgWide ? 'Optional: leave all unchecked to invite to the organization only.' : 'Pick at least one project.';
  // The "every picked project" role offers what the caller may grant in any of them.
  const anyRoles = [...new Set(projects.flatMap((p) => grantableProjectRoles(p.id)))];
  fill(byId('invite-project-role'), anyRoles.map((r) => h('option', { value: r }, cap(r))));
  byId('invite-project-role').value = defaultRole(anyRoles);
  syncProjectRoles();
  byId('invite-emails').value = '';
  byId('invite-expires').value = '7';
  byId('invite-access-until').value = '';
  byId('invite-error').textContent = '';
  for (const el of dialog.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');

  show(byId('invite-step-form'));
  show(byId('invite-step-results'), false);
  show(byId('invite-submit'));
  byId('invite-submit').disabled = false;
  show(byId('invite-cancel'));
  show(byId('invite-done'), false);

  dialog.showModal();
  (orgWide ? roleSelect : dialog.querySelector('[data-testid="invite-project"]') || byId('invite-emails')).focus();
}

/** Each picked project's role select is enabled; the "all projects" role is offered when any is picked. */
export function syncProjectRoles() {
  let any = false;
  for (const row of byId('invite-projects').querySelectorAll('.check')) {
    const checked = row.querySelector('input').checked;
    row.querySelector('select').disabled = !checked;
    any ||= checked;
  }
  byId('invite-project-role').disabled = !any;
}

/** The "all projects" role sets the role of every project that offers it (each can still be changed). */
export function applyRoleToAll() {
  const role = byId('invite-project-role').value;
  for (const s of byId('invite-projects').querySelectorAll('select')) {
    if ([...s.options].some((o) => o.value === role)) s.value = role;
  }
}

const fieldIds = {
  emails: 'invite-emails', orgRole: 'invite-org-role', projects: 'invite-projects', projectIds: 'invite-projects',
  projectRole: 'invite-project-role', expiresInDays: 'invite-expires', accessExpiresAt: 'invite-access-until',
};

export async function submitInvite(ev) {
  ev.preventDefault();
  const errorEl = byId('invite-error');
  errorEl.textContent = '';
  const dialog = byId('invite-dialog');
  for (const el of dialog.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');

  if (editing) return submitEdit(editing);
  const emails = parseEmails(byId('invite-emails').value);
  const projects = pickedProjects();
  const days = Number(byId('invite-expires').value || 7);
  const orgWide = grantableOrgRoles().length > 0;
  const fail = (id, message) => {
    errorEl.textContent = message;
    const el = byId(id);
    el.setAttribute('aria-invalid', 'true');
    (el.matches('input, select, textarea') ? el : el.querySelector('input') || el).focus();
  };
  if (emails.length === 0) return fail('invite-emails', 'Enter at least one email address.');
  if (emails.length > 50) return fail('invite-emails', `At most 50 addresses at once (you entered ${emails.length}).`);
  if (!orgWide && projects.length === 0) return fail('invite-projects', 'Pick at least one of your projects.');
  if (!Number.isInteger(days) || days < 1 || days > 30) return fail('invite-expires', 'The link can be valid for 1 to 30 days.');

  const body = { emails, projects, expiresInDays: days };
  if (orgWide) body.orgRole = byId('invite-org-role').value;
  const until = endOfDay(byId('invite-access-until').value);
  if (until) body.accessExpiresAt = until;

  const submit = byId('invite-submit');
  submit.disabled = true;
  dialog.setAttribute('aria-busy', 'true');
  try {
    const res = await api('POST', orgPath('invites'), body);
    showInviteResults(res?.results || []);
    loadMembers();
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

async function submitEdit(inv) {
  const dialog = byId('invite-dialog');
  const errorEl = byId('invite-error');
  const projects = pickedProjects();
  const raw = byId('invite-expires').value.trim();
  const body = { projects };
  if (grantableOrgRoles().length > 0) body.orgRole = byId('invite-org-role').value;
  if (raw) body.expiresInDays = Number(raw);
  body.accessExpiresAt = endOfDay(byId('invite-access-until').value); // null: no end
  const submit = byId('invite-submit');
  submit.disabled = true;
  dialog.setAttribute('aria-busy', 'true');
  try {
    await api('PATCH', orgPath('invites', inv.id), body);
    dialog.close();
    say(`The invitation to ${inv.email} was updated; the link already sent grants the new terms.`);
    loadInvites(true);
  } catch (err) {
    if (err.handled) {
      dialog.close();
      return;
    }
    errorEl.textContent = err instanceof ApiError ? describeInviteError(err, []) : err.message;
    submit.disabled = false;
  } finally {
    dialog.removeAttribute('aria-busy');
  }
}

/** The picked projects with their roles. */
function pickedProjects() {
  return [...byId('invite-projects').querySelectorAll('.check')]
    .filter((row) => row.querySelector('input').checked)
    .map((row) => ({ id: row.querySelector('input').value, role: row.querySelector('select').value }));
}

/** The problem's detail with field errors; "emails[2]" is named by its address. */
function describeInviteError(err, emails) {
  if (!err.fields.length) return err.detail;
  const names = { orgRole: 'Organization role', projects: 'Projects', projectIds: 'Projects', projectRole: 'Project role', expiresInDays: 'Link validity', accessExpiresAt: 'Access until' };
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
