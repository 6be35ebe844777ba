// The invitations table: open invitations with each project's role, their
// status and delivery, and edit / resend / revoke where the API says the
// caller may manage them (canManage). Editing opens the invite dialog, which
// imports this table to refresh it: the dialog is handed in (setEditor).

import { badge, byId, cap, fill, formatDateTime, h, show, timeEl } from './dom.js';
import { PAGE_SIZE, api, canManageInvites, clearError, confirmAction, orgPath, say, showError, state } from './context.js';

const deliveryLabel = {
  pending: ['Email queued', 'neutral'],
  sent: ['Email sent', 'neutral'],
  delivered: ['Email delivered', 'ok'],
  failed: ['Email failed', 'danger'],
  bounced: ['Email bounced', 'danger'],
  complained: ['Marked as spam', 'danger'],
};
const statusKind = { pending: 'info', expired: 'warn' };

let openEditor = () => {};

/** Sets what the Edit button opens (the invite dialog's edit mode). */
export function setEditor(fn) {
  openEditor = fn;
}

export async function loadInvites(reset) {
  const seq = state.loadSeq;
  const card = byId('invites-card');
  if (!canManageInvites()) {
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
  const access = [h('span', {}, `Organization: ${cap(inv.orgRole)}`)];
  for (const p of inv.projects || []) {
    access.push(h('br'), h('span', { class: 'muted', dataset: { testid: 'invite-project-role', projectId: p.id, role: p.role } },
      `${p.name || p.id} (${cap(p.role)})`));
  }
  const [deliveryText, deliveryKind] = deliveryLabel[inv.delivery] || [cap(inv.delivery || ''), 'neutral'];
  const mine = inv.invitedBy && inv.invitedBy === state.me?.user?.email;
  const tr = h('tr', { dataset: { testid: 'invite-row', email: inv.email, status: inv.status, delivery: inv.delivery || '', inviteId: inv.id } });
  const actions = inv.canManage ? [
    inv.status === 'pending' ? h('button', {
      type: 'button', class: 'btn btn-quiet btn-small', dataset: { testid: 'invite-edit' },
      'aria-label': `Edit the invitation to ${inv.email}`, on: { click: () => openEditor(inv) },
    }, 'Edit') : null,
    h('button', {
      type: 'button', class: 'btn btn-small', dataset: { testid: 'invite-resend' },
      'aria-label': `Resend the invitation to ${inv.email}`, on: { click: (ev) => resendInvite(inv, tr, ev.currentTarget) },
    }, 'Resend'),
    h('button', {
      type: 'button', class: 'btn btn-quiet btn-small btn-danger-text', dataset: { testid: 'invite-revoke' },
      'aria-label': `Revoke the invitation to ${inv.email}`, on: { click: () => revokeInvite(inv, tr) },
    }, 'Revoke'),
  ] : [];
  tr.append(
    h('td', { class: 'cell-email' }, inv.email,
      inv.invitedBy && !mine ? h('div', { class: 'muted small' }, `Invited by ${inv.invitedBy}`) : null),
    h('td', {}, access),
    h('td', {}, h('div', { class: 'badges' },
      badge(cap(inv.status), statusKind[inv.status] || 'neutral', { dataset: { testid: 'invite-status' } }),
      inv.delivery ? badge(deliveryText, deliveryKind, { dataset: { testid: 'invite-delivery' } }) : null)),
    h('td', { title: formatDateTime(inv.expiresAt) }, timeEl(inv.expiresAt)),
    h('td', { class: 'cell-actions' }, actions),
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
