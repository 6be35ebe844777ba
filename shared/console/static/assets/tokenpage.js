// What the two pages opened from a secret link share: the accept page
// (/accept#token=… of an emailed invite) and the join page (/join#token=…
// of an invite link). The token is read from the fragment only (never a
// query string, never logged), kept in this tab's sessionStorage while the
// person signs in, and removed from the address bar.

import { loadConfig } from './api.js';
import { completeSignIn } from './auth.js';
import { byId, show } from './dom.js';

// readFragmentToken returns the page's token: the fragment's, stored under
// key (onNew runs when the fragment brings one), or the one stored before.
export function readFragmentToken(key, onNew = () => {}) {
  const fragment = location.hash.startsWith('#') ? location.hash.slice(1) : '';
  const fromHash = new URLSearchParams(fragment).get('token');
  if (fromHash) {
    sessionStorage.setItem(key, fromHash);
    onNew();
    // Keep the token out of the address bar, the history and bookmarks.
    history.replaceState(null, '', location.pathname + location.search);
    return fromHash;
  }
  return sessionStorage.getItem(key) || '';
}

// showOnly shows the section state-<name> of states and hides the others,
// focusing its heading when focus is true.
export function showOnly(states, name, focus = true) {
  for (const s of states) show(byId(`state-${s}`), s === name);
  if (focus) byId(`state-${name}`).querySelector('h1')?.focus();
}

// startPage loads the console's configuration and completes a sign-in
// under way. It returns null when the configuration cannot load (the page
// then shows its error state through showState), else the sign-in's error
// message ('' when there was none).
export async function startPage(showState) {
  try {
    await loadConfig();
  } catch {
    byId('error-text').textContent = 'The console could not load its configuration. Reload the page to try again.';
    showState('error');
    return null;
  }
  try {
    await completeSignIn();
  } catch (err) {
    return err.message;
  }
  return '';
}
