// Sign-in: the local server's token endpoint, or an OpenID provider with the
// authorization code flow and PKCE, either the Cognito hosted UI (fixed
// endpoints) or any issuer found by discovery (config.auth "oidc"). The
// session lives in sessionStorage (one tab, gone when the tab closes) and is
// never logged. Tokens never go into a URL: only the provider's redirect back
// carries ?code&state, and those leave the address bar at once.

import { ApiError, loadConfig, request } from './api.js';

const SESSION_KEY = 'members.session';
const PKCE_KEY = 'members.pkce';
const PROVIDER_KEY = 'members.oidcProvider'; // the discovered endpoints, per issuer
const REAUTH_KEY = 'members.reauth'; // set by an OIDC sign-out: ask for credentials again

/** The current session {token, email, userId?, expiresAt?, sid?}, or null. */
export function getSession() {
  const s = readJSON(SESSION_KEY);
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

function readJSON(key) {
  try { return JSON.parse(sessionStorage.getItem(key) || 'null'); } catch { return null; }
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

function isHttpsURL(u) {
  if (typeof u !== 'string') return false;
  try { return new URL(u).protocol === 'https:'; } catch { return false; }
}

/** base (which may carry a query of its own) with params added. */
function withQuery(base, params) {
  const u = new URL(base);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

function unreachable() {
  return new ApiError(0, { detail: 'The sign-in service could not be reached. Try again later.' });
}

/**
 * The sign-in service of cfg: {authorize, token, scope, reauth,
 * logout(returnUri, session) → URL or ''}, or null in local mode.
 * Throws ApiError when an OIDC issuer cannot be discovered.
 */
async function provider(cfg) {
  if (cfg.auth === 'cognito') {
    const base = `https://${cfg.cognitoDomain}`;
    return {
      authorize: `${base}/oauth2/authorize`,
      token: `${base}/oauth2/token`,
      scope: 'openid email',
      reauth: false, // Cognito's /logout ends the hosted UI session
      logout: (returnUri) => withQuery(`${base}/logout`, { client_id: cfg.clientId, logout_uri: returnUri }),
    };
  }
  if (cfg.auth === 'oidc') {
    let meta = readJSON(PROVIDER_KEY);
    if (!meta || meta.issuer !== cfg.oidcIssuer) {
      meta = await discover(cfg.oidcIssuer);
      sessionStorage.setItem(PROVIDER_KEY, JSON.stringify(meta));
    }
    return {
      authorize: meta.authorize,
      token: meta.token,
      scope: 'openid email profile',
      // Not every provider offers (or honours, without an ID token in the
      // URL) end-session, so after a sign-out the next sign-in asks for
      // credentials: switching accounts must work.
      reauth: true,
      // RP-initiated logout without id_token_hint: the ID token stays out of URLs.
      logout: (returnUri, session) => (meta.endSession
        ? withQuery(meta.endSession, {
          client_id: cfg.clientId,
          post_logout_redirect_uri: returnUri,
          ...(session && session.sid ? { logout_hint: session.sid } : {}),
        })
        : ''),
    };
  }
  return null;
}

/**
 * Reads <issuer>/.well-known/openid-configuration: {issuer, authorize,
 * token, endSession ('' when the provider has none)}.
 */
async function discover(issuer) {
  const trim = (s) => String(s).replace(/\/+$/, '');
  let res;
  try {
    res = await fetch(`${trim(issuer)}/.well-known/openid-configuration`, { credentials: 'omit', referrerPolicy: 'no-referrer' });
  } catch {
    throw unreachable();
  }
  let doc = null;
  if (res.ok) {
    try { doc = await res.json(); } catch { doc = null; }
  }
  if (!doc || !isHttpsURL(doc.authorization_endpoint) || !isHttpsURL(doc.token_endpoint)) {
    throw new ApiError(res.ok ? 502 : res.status, { detail: 'The sign-in service did not describe its endpoints. Try again later.' });
  }
  if (typeof doc.issuer !== 'string' || trim(doc.issuer) !== trim(issuer)) {
    throw new ApiError(502, { detail: 'Sign-in is misconfigured: the sign-in service names another issuer than the console expects.' });
  }
  return {
    issuer,
    authorize: doc.authorization_endpoint,
    token: doc.token_endpoint,
    endSession: isHttpsURL(doc.end_session_endpoint) ? doc.end_session_endpoint : '',
  };
}

/**
 * Cognito and OIDC modes: redirects to the sign-in service. It comes back to
 * returnPath ("/" or "/accept", both registered as callback URLs) with
 * ?code&state. Throws ApiError when the service cannot be discovered.
 */
export async function startSignIn(returnPath) {
  const cfg = await loadConfig();
  const p = await provider(cfg);
  if (!p) throw new Error('This console signs in locally.');
  const verifier = randomString(48);
  const state = randomString(16);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, returnPath }));
  const params = {
    response_type: 'code',
    client_id: cfg.clientId,
    redirect_uri: redirectUri(returnPath),
    scope: p.scope,
    state,
    code_challenge: b64url(digest),
    code_challenge_method: 'S256',
  };
  if (p.reauth && sessionStorage.getItem(REAUTH_KEY)) params.prompt = 'login';
  location.assign(withQuery(p.authorize, params));
}

function decodeJwtPayload(jwt) {
  const part = jwt.split('.')[1] || '';
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const json = decodeURIComponent(Array.from(atob(b64), (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''));
  return JSON.parse(json);
}

/**
 * Cognito and OIDC modes: finishes a sign-in when the URL carries ?code&state
 * from the sign-in service, removing them from the URL first. Returns the
 * session, or null when the URL has no callback. Throws ApiError when the
 * response is not for this tab or the exchange fails.
 */
export async function completeSignIn() {
  const cfg = await loadConfig();
  if (cfg.auth !== 'cognito' && cfg.auth !== 'oidc') return null;
  const params = new URLSearchParams(location.search);
  if (!params.has('code') && !params.has('error')) return null;
  // The code is good for one exchange: out of the address bar and history now.
  history.replaceState(null, '', location.pathname);
  const pkce = readJSON(PKCE_KEY);
  sessionStorage.removeItem(PKCE_KEY);
  if (!pkce || pkce.state !== params.get('state')) {
    throw new ApiError(401, { detail: 'The sign-in response did not match this tab. Sign in again.' });
  }
  if (params.has('error')) {
    throw new ApiError(401, { detail: `Sign-in was not completed: ${params.get('error_description') || params.get('error')}.` });
  }
  const p = await provider(cfg);
  let res;
  try {
    res = await fetch(p.token, {
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
      referrerPolicy: 'no-referrer',
    });
  } catch {
    throw unreachable();
  }
  if (!res.ok) throw new ApiError(401, { detail: 'Sign-in failed. Try again.' });
  let tokens = null;
  let claims = null;
  try {
    tokens = await res.json();
    claims = decodeJwtPayload(tokens.id_token);
  } catch {
    claims = null;
  }
  if (!claims || typeof claims !== 'object') {
    throw new ApiError(401, { detail: 'The sign-in service returned no ID token. Try again.' });
  }
  sessionStorage.removeItem(REAUTH_KEY);
  // The API's JWT authorizer reads email and email_verified, which only the ID token carries.
  const s = { token: tokens.id_token, email: claims.email || '', userId: claims.sub || '', expiresAt: (claims.exp || 0) * 1000 };
  if (typeof claims.sid === 'string') s.sid = claims.sid; // the provider's session, for its sign-out
  setSession(s);
  return s;
}

/**
 * Signs out of this tab. With Cognito, or an OIDC provider that offers
 * end-session, it also ends the provider's session and comes back to
 * returnPath (registered as a sign-out URL), so that another account can
 * sign in; it then returns true (the page is leaving). Otherwise false.
 */
export async function signOut(returnPath = '/') {
  const session = getSession();
  clearSession();
  let url = '';
  try {
    const p = await provider(await loadConfig());
    if (!p) return false;
    if (p.reauth) sessionStorage.setItem(REAUTH_KEY, '1');
    url = p.logout(redirectUri(returnPath), session);
  } catch {
    url = ''; // no configuration or discovery: this tab is signed out anyway
  }
  if (!url) return false;
  location.assign(url);
  return true;
}
