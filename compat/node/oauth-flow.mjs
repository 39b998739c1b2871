// The install a user makes in the browser, done over HTTP for the OAuth compatibility tests:
// signs in to the host on loopback, creates an app from the host (development), opens the
// consent page and sends its form; the redirect's query is what the app's backend receives.
import assert from 'node:assert/strict';

/** The value of a form field of the consent page. */
function field(page, name) {
  const match = page.match(new RegExp(`name="${name}" value="([^"]*)"`));
  return match && match[1].replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

/** A signed-in session of the host: its cookie, and a fetch that sends it from the host's origin. */
export async function hostSession(hostUrl) {
  const page = await fetch(`${hostUrl}/`, { redirect: 'follow' });
  const cookie = page.headers.get('set-cookie')?.split(';')[0];
  assert.ok(cookie, 'signed in on loopback');
  const call = (path, init = {}) =>
    fetch(new URL(path, hostUrl), { ...init, redirect: 'manual', headers: { cookie, origin: hostUrl, ...(init.headers ?? {}) } });
  return { cookie, call };
}

/** Creates an app with an OAuth client from the host. */
export async function createApp(session, redirectUri, scopes) {
  const res = await session.call('/host/api/developer/apps', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Compat OAuth app', redirectUrls: [redirectUri], scopes }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return res.json();
}

/** Goes through the consent page at `installUrl` and connects; the redirect's query. */
export async function connect(session, installUrl) {
  const page = await session.call(installUrl);
  assert.equal(page.status, 200);
  const html = await page.text();
  const form = new URLSearchParams();
  for (const name of ['client_id', 'redirect_uri', 'scope', 'optional_scope', 'state', 'csrf', 'portal']) {
    const value = field(html, name);
    if (value !== null) form.set(name, value);
  }
  form.set('action', 'connect');
  const answer = await session.call('/oauth/authorize', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  assert.equal(answer.status, 303, await answer.text());
  return new URL(answer.headers.get('location')).searchParams;
}
