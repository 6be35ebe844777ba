// Verified domains and joining through them: the organizations the signed-in
// person may join (GET /me's suggestedOrgs), the organization's pending
// join requests for those who answer them (org:join_requests:manage), and
// its domains for those who manage them (org:domains:manage): add one, see
// the TXT record to publish, verify it, set who may join and remove it.

import { ApiError } from './api.js';
import { badge, byId, cap, fill, formatDateTime, h, show, timeEl } from './dom.js';
import { api, clearError, confirmAction, grantableOrgRoles, hooks, orgCan, orgPath, say, showError, state } from './context.js';

const policyLabel = {
  off: 'No one joins through it',
  auto: 'Join at once',
  request: 'Ask to join (approved here)',
};

// ---------- organizations the caller may join ----------

/** Shows GET /me's suggestedOrgs, each with Join or Ask to join. */
export function renderSuggestions() {
  const list = byId('suggested-list');
  const orgs = state.me?.suggestedOrgs || [];
  const denied = new Set((state.me?.joinRequests || []).filter((r) => r.status === 'denied').map((r) => r.orgId));
  fill(list, orgs.map((o) => {
    const pending = !!o.requestId;
    const label = o.joinPolicy === 'auto' ? 'Join' : 'Ask to join';
    return h('li', { dataset: { testid: 'suggested-org', orgId: o.id, orgName: o.name, policy: o.joinPolicy, pending: String(pending) } },
      h('span', {}, h('strong', {}, o.name), h('span', { class: 'muted small' }, ` · people at ${o.domain}`),
        denied.has(o.id) && !pending ? h('div', { class: 'muted small' }, 'Your last request was declined.') : null),
      pending
        ? badge('Request pending', 'info', { dataset: { testid: 'suggested-pending' } })
        : h('button', {
          type: 'button', class: 'btn btn-small', dataset: { testid: 'suggested-join' },
          'aria-label': `${label}: ${o.name}`, on: { click: (ev) => join(o, ev.currentTarget) },
        }, label));
  }));
  show(byId('suggested-card'), orgs.length > 0);
}

async function join(org, button) {
  button.disabled = true;
  clearError();
  try {
    const res = await api('POST', `/orgs/${encodeURIComponent(org.id)}/join`);
    if (res?.status === 'requested') {
      say(`Your request to join ${org.name} was sent.`);
      await hooks.reload(state.orgId);
    } else {
      say(`You joined ${org.name}.`);
      await hooks.reload(org.id);
    }
  } catch (err) {
    button.disabled = false;
    showError(err);
  }
}

// ---------- requests to join the organization ----------

export async function loadJoinRequests() {
  const seq = state.loadSeq;
  const card = byId('join-requests-card');
  if (!orgCan('org:join_requests:manage')) {
    show(card, false);
    return;
  }
  const body = byId('join-requests-body');
  try {
    const res = await api('GET', `${orgPath('join-requests')}?limit=100`);
    if (seq !== state.loadSeq) return;
    fill(body, (res?.requests || []).map(requestRow));
  } catch (err) {
    if (seq === state.loadSeq) showError(err);
  }
  show(byId('join-requests-empty'), body.children.length === 0);
  show(card, body.children.length > 0);
}

function requestRow(r) {
  const tr = h('tr', { dataset: { testid: 'join-request-row', email: r.email, requestId: r.id } });
  const answer = (verb) => async (ev) => {
    ev.currentTarget.disabled = true;
    clearError();
    try {
      await api('POST', orgPath('join-requests', r.id, verb));
      tr.remove();
      say(verb === 'approve' ? `${r.email} is now a member.` : `The request of ${r.email} was declined.`);
      show(byId('join-requests-empty'), byId('join-requests-body').children.length === 0);
      if (verb === 'approve') await hooks.reload(state.orgId);
    } catch (err) {
      ev.currentTarget.disabled = false;
      showError(err);
    }
  };
  tr.append(
    h('td', { class: 'cell-email' }, r.email),
    h('td', {}, `${cap(r.orgRole)} · ${r.domain}`),
    h('td', { title: formatDateTime(r.createdAt) }, timeEl(r.createdAt)),
    h('td', { class: 'cell-actions' },
      h('button', { type: 'button', class: 'btn btn-small', dataset: { testid: 'join-request-approve' },
        'aria-label': `Approve ${r.email}`, on: { click: answer('approve') } }, 'Approve'),
      h('button', { type: 'button', class: 'btn btn-quiet btn-small btn-danger-text', dataset: { testid: 'join-request-deny' },
        'aria-label': `Decline ${r.email}`, on: { click: answer('deny') } }, 'Decline')),
  );
  return tr;
}

// ---------- the organization's domains ----------

export async function loadDomains() {
  const seq = state.loadSeq;
  const card = byId('domains-card');
  if (!orgCan('org:domains:manage')) {
    show(card, false);
    return;
  }
  show(card);
  try {
    const res = await api('GET', orgPath('domains'));
    if (seq !== state.loadSeq) return;
    fill(byId('domains-list'), (res?.domains || []).map(domainItem));
  } catch (err) {
    if (seq === state.loadSeq) showError(err);
  }
}

function domainItem(d) {
  const li = h('li', { class: 'domain-item', dataset: { testid: 'domain-item', domain: d.domain, status: d.status, policy: d.joinPolicy } });
  const refresh = (updated) => li.replaceWith(domainItem(updated));
  const head = h('div', { class: 'domain-head' },
    h('strong', {}, d.domain),
    badge(d.status === 'verified' ? 'Verified' : 'Not verified', d.status === 'verified' ? 'ok' : 'warn', { dataset: { testid: 'domain-status' } }));
  const parts = [head];
  if (d.status !== 'verified') {
    parts.push(
      h('p', { class: 'hint' }, 'Publish this TXT record at your DNS provider, then verify:'),
      h('p', { class: 'small' }, h('code', { dataset: { testid: 'domain-record-name' } }, d.record.name)),
      h('p', { class: 'small' }, h('code', { dataset: { testid: 'domain-record-value' } }, d.record.value)),
      h('button', { type: 'button', class: 'btn btn-small', dataset: { testid: 'domain-verify' },
        on: { click: (ev) => verify(d, ev.currentTarget, refresh) } }, 'Verify'));
  } else {
    const policy = h('select', { id: `domain-policy-${d.domain}`, dataset: { testid: 'domain-policy' } },
      Object.entries(policyLabel).map(([v, label]) => h('option', { value: v, selected: v === d.joinPolicy }, label)));
    const roles = grantableOrgRoles();
    const role = h('select', { id: `domain-role-${d.domain}`, dataset: { testid: 'domain-role' } },
      (roles.length ? roles : [d.orgRole]).map((r) => h('option', { value: r, selected: r === d.orgRole }, cap(r))));
    const save = async () => {
      clearError();
      try {
        const updated = await api('PATCH', orgPath('domains', d.domain), { joinPolicy: policy.value, orgRole: role.value });
        say(`People at ${d.domain}: ${policyLabel[updated.joinPolicy]}.`);
        refresh(updated);
      } catch (err) {
        showError(err);
      }
    };
    policy.addEventListener('change', save);
    role.addEventListener('change', save);
    parts.push(
      h('div', { class: 'field' }, h('label', { for: policy.id }, `People at ${d.domain}`), policy),
      h('div', { class: 'field' }, h('label', { for: role.id }, 'Organization role when they join'), role));
  }
  parts.push(h('button', { type: 'button', class: 'btn btn-quiet btn-small btn-danger-text', dataset: { testid: 'domain-remove' },
    'aria-label': `Remove ${d.domain}`, on: { click: () => remove(d, li) } }, 'Remove'));
  li.append(h('div', { class: 'stack' }, parts));
  return li;
}

async function verify(d, button, refresh) {
  button.disabled = true;
  clearError();
  try {
    const updated = await api('POST', orgPath('domains', d.domain, 'verify'));
    say(`${d.domain} is verified.`);
    refresh(updated);
  } catch (err) {
    button.disabled = false;
    showError(err);
  }
}

async function remove(d, li) {
  const ok = await confirmAction({
    title: `Remove ${d.domain}?`,
    text: 'No one joins through it any more, and another organization may verify it.',
    confirm: 'Remove',
  });
  if (!ok) return;
  clearError();
  try {
    await api('DELETE', orgPath('domains', d.domain));
    li.remove();
    say(`${d.domain} was removed.`);
  } catch (err) {
    showError(err);
  }
}

export async function addDomain(ev) {
  ev.preventDefault();
  const input = byId('domain-name');
  const errorEl = byId('domain-error');
  errorEl.textContent = '';
  const domain = input.value.trim();
  if (!domain) {
    errorEl.textContent = 'Enter a domain, such as acme.com.';
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  input.removeAttribute('aria-invalid');
  const button = ev.submitter || byId('domain-form').querySelector('button');
  button.disabled = true;
  try {
    const d = await api('POST', orgPath('domains'), { domain });
    input.value = '';
    byId('domains-list').append(domainItem(d));
    say(`${d.domain} was added. Publish its TXT record, then verify it.`);
  } catch (err) {
    if (!err.handled) errorEl.textContent = err instanceof ApiError ? err.fullMessage : err.message;
  } finally {
    button.disabled = false;
  }
}
