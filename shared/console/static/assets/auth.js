// Sign-in: the local server's token endpoint, or the Cognito hosted UI with
// the authorization code flow and PKCE. The session lives in sessionStorage
// (one tab, gone when the tab closes) and is never logged.

import { ApiError, loadConfig, request } from './api.js';

const SESSION_KEY = 'members.session';
const PKCE_KEY = 'members.pkce';

/** The current session {token, email, userId?, expiresAt?}, or null. */
export function getSession() {
  let s;
  try { s = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null'); } catch { s = null; }
  if (!s || !s.token) return null;
  if (s.expiresAt && Date.now() > s.expiresAt - 30_000) {
    clearSession();
    return null;
  }
  return s;
}

function setSession(s) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
}

export function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
}

/** Local mode: asks the local server for a token for email. */
export async function signInLocal(email, emailVerified) {
  const normalized = email.trim().toLowerCase();
  const res = await request('POST', '/_local/token', { body: { email: normalized, emailVerified: !!emailVerified } });
  if (!res || !res.token) throw new ApiError(500, { detail: 'The local server returned no token.' });
  const s = { token: res.token, email: normalized, userId: res.userId || '' };
  setSession(s);
  return s;
}

function b64url(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(n = 32) {
  return b64url(crypto.getRandomValues(new Uint8Array(n)));
}

function redirectUri(returnPath) {
  return location.origin + returnPath;
}

/**
 * Cognito mode: redirects to the hosted UI. It comes back to returnPath
 * ("/" or "/accept", both registered as callback URLs) with ?code&state.
 */
export async function startCognitoSignIn(returnPath) {
  const cfg = await loadConfig();
  const verifier = randomString(48);
  const state = randomString(16);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, returnPath }));
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: cfg.clientId,
    redirect_uri: redirectUri(returnPath),
    scope: 'openid email',
    state,
    code_challenge: b64url(digest),
    code_challenge_method: 'S256',
  });
  location.assign(`https://${cfg.cognitoDomain}/oauth2/authorize?${q}`);
}

function decodeJwtPayload(jwt) {
  const part = jwt.split('.')[1] || '';
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const json = decodeURIComponent(Array.from(atob(b64), (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''));
  return JSON.parse(json);
}

/**
 * Cognito mode: finishes a sign-in when the URL carries ?code&state from the
 * hosted UI, then removes them from the URL. Returns the session, or null
 * when the URL has no callback. Throws ApiError when the exchange fails.
 */
export async function completeCognitoSignIn() {
  const cfg = await loadConfig();
  if (cfg.auth !== 'cognito') return null;
  const params = new URLSearchParams(location.search);
  if (!params.has('code') && !params.has('error')) return null;
  const clean = () => history.replaceState(null, '', location.pathname);
  let pkce;
  try { pkce = JSON.parse(sessionStorage.getItem(PKCE_KEY) || 'null'); } catch { pkce = null; }
  sessionStorage.removeItem(PKCE_KEY);
  if (params.has('error')) {
    clean();
    throw new ApiError(401, { detail: `Sign-in was not completed: ${params.get('error_description') || params.get('error')}.` });
  }
  if (!pkce || pkce.state !== params.get('state')) {
    clean();
    throw new ApiError(401, { detail: 'The sign-in response did not match this tab. Sign in again.' });
  }
  let res;
  try {
    res = await fetch(`https://${cfg.cognitoDomain}/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: cfg.clientId,
        code: params.get('code'),
        redirect_uri: redirectUri(pkce.returnPath),
        code_verifier: pkce.verifier,
      }),
      credentials: 'omit',
    });
  } catch {
    clean();
    throw new ApiError(0, { detail: 'The sign-in service could not be reached.' });
  }
  clean();
  if (!res.ok) throw new ApiError(401, { detail: 'Sign-in failed. Try again.' });
  const tokens = await res.json();
  // The API's JWT authorizer reads email and email_verified, which only the ID token carries.
  const claims = decodeJwtPayload(tokens.id_token);
  const s = { token: tokens.id_token, email: claims.email || '', userId: claims.sub || '', expiresAt: (claims.exp || 0) * 1000 };
  setSession(s);
  return s;
}

/**
 * Signs out of this tab. In Cognito mode it also ends the hosted UI session
 * and comes back to returnPath (registered as a sign-out URL), so that
 * another account can sign in.
 */
export async function signOut(returnPath = '/') {
  const cfg = await loadConfig();
  clearSession();
  if (cfg.auth === 'cognito') {
    const q = new URLSearchParams({ client_id: cfg.clientId, logout_uri: redirectUri(returnPath) });
    location.assign(`https://${cfg.cognitoDomain}/logout?${q}`);
    return true;
  }
  return false;
}
