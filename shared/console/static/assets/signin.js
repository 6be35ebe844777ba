// The sign-in panel shared by the Users tab and the accept page.

import { loadConfig } from './api.js';
import { signInLocal, startSignIn } from './auth.js';
import { fill, h } from './dom.js';

/**
 * Renders a sign-in panel into container.
 * opts: {returnPath, email (preset), hint (text), onSignedIn(session), idPrefix}
 */
export async function renderSignIn(container, opts) {
  const cfg = await loadConfig();
  const p = opts.idPrefix || 'signin';
  const error = h('p', { id: `${p}-error`, class: 'error-text', role: 'alert', dataset: { testid: 'signin-error' } });

  if (cfg.auth === 'cognito' || cfg.auth === 'oidc') {
    const button = h('button', {
      type: 'button', class: 'btn btn-primary', dataset: { testid: 'signin-submit' },
      on: {
        click: async () => {
          button.disabled = true;
          try { await startSignIn(opts.returnPath); } catch (err) {
            button.disabled = false;
            error.textContent = err.message;
          }
        },
      },
    }, 'Sign in');
    fill(container,
      opts.hint ? h('p', {}, opts.hint) : null,
      h('div', { class: 'actions actions-start' }, button),
      error);
    return;
  }

  const email = h('input', {
    id: `${p}-email`, name: 'email', type: 'email', autocomplete: 'email', required: true,
    spellcheck: 'false', value: opts.email || '', 'aria-describedby': `${p}-help`,
    dataset: { testid: 'signin-email' },
  });
  const verified = h('input', { id: `${p}-verified`, type: 'checkbox', checked: true, dataset: { testid: 'signin-verified' } });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', dataset: { testid: 'signin-submit' } }, 'Sign in');
  const form = h('form', {
    class: 'stack', novalidate: true, dataset: { testid: 'signin-form' },
    on: {
      submit: async (ev) => {
        ev.preventDefault();
        error.textContent = '';
        const value = email.value.trim();
        if (!value || !email.checkValidity()) {
          error.textContent = 'Enter an email address, like name@example.com.';
          email.setAttribute('aria-invalid', 'true');
          email.focus();
          return;
        }
        email.removeAttribute('aria-invalid');
        submit.disabled = true;
        try {
          const s = await signInLocal(value, verified.checked);
          await opts.onSignedIn(s);
        } catch (err) {
          error.textContent = err.message;
          submit.disabled = false;
          email.focus();
        }
      },
    },
  },
  h('div', { class: 'field' },
    h('label', { for: `${p}-email` }, 'Email address'),
    email,
    h('p', { id: `${p}-help`, class: 'hint' }, opts.hint || 'Local development sign-in: any address, no password.')),
  h('div', { class: 'check' },
    verified,
    h('label', { for: `${p}-verified` }, 'Email address verified')),
  h('div', { class: 'actions actions-start' }, submit),
  error);
  fill(container, form);
  if (opts.focus !== false) email.focus();
}
