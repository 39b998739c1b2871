// The official Node client's OAuth methods (@hubspot/api-client, current and previous major)
// against a running callhost: the install URL from `oauth.getAuthorizationUrl` with only its
// host changed, the code exchanged with `oauth.tokensApi.create`, a CRM call with the token,
// `accessTokensApi.get`, `refreshTokensApi.get`, refreshing, a bad code's error, and
// `refreshTokensApi.archive`. Needs CALLHOST_API_URL (scripts/compat.sh sets it).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { connect, createApp, hostSession } from './oauth-flow.mjs';

const require = createRequire(import.meta.url);
const basePath = process.env.CALLHOST_API_URL;
assert.ok(basePath, 'CALLHOST_API_URL must be set');

const clients = {
  '@hubspot/api-client 14': require('@hubspot/api-client'),
  '@hubspot/api-client 13': require('hubspot-api-client-13'),
};
const SCOPES = 'crm.objects.contacts.read crm.objects.contacts.write';

for (const [label, { Client }] of Object.entries(clients)) {
  describe(`${label} oauth`, () => {
    it('installs, exchanges the code, calls the CRM, reads, refreshes and revokes tokens', async () => {
      const session = await hostSession(basePath);
      const redirectUri = 'http://127.0.0.1:9/oauth-callback';
      const app = await createApp(session, redirectUri, SCOPES);
      const hubspot = new Client({ basePath });
      const hubspotUrl = new URL(hubspot.oauth.getAuthorizationUrl(app.clientId, redirectUri, SCOPES, undefined, 'compat state'));
      const query = await connect(session, hubspotUrl.pathname + hubspotUrl.search);
      assert.equal(query.get('state'), 'compat state');

      const tokens = await hubspot.oauth.tokensApi.create('authorization_code', query.get('code'), redirectUri, app.clientId, app.clientSecret);
      assert.equal(tokens.tokenType, 'bearer');
      assert.equal(tokens.expiresIn, 1800);
      assert.ok(tokens.accessToken && tokens.refreshToken);

      const crm = new Client({ basePath, accessToken: tokens.accessToken });
      const page = await crm.crm.contacts.basicApi.getPage(5);
      assert.ok(Array.isArray(page.results));

      const info = await hubspot.oauth.accessTokensApi.get(tokens.accessToken);
      assert.equal(info.token, tokens.accessToken);
      assert.equal(info.appId, app.appId);
      assert.equal(info.tokenType, 'access');
      assert.deepEqual(info.scopes, SCOPES.split(' '));
      assert.ok(info.hubId > 0 && info.userId > 0 && info.expiresIn > 1700);

      const refreshInfo = await hubspot.oauth.refreshTokensApi.get(tokens.refreshToken);
      assert.equal(refreshInfo.clientId, app.clientId);
      assert.equal(refreshInfo.hubId, info.hubId);

      const refreshed = await hubspot.oauth.tokensApi.create('refresh_token', undefined, undefined, app.clientId, app.clientSecret, tokens.refreshToken);
      assert.notEqual(refreshed.accessToken, tokens.accessToken);
      assert.equal(refreshed.refreshToken, tokens.refreshToken);

      // A used code is HubSpot's BAD_AUTH_CODE.
      await assert.rejects(
        hubspot.oauth.tokensApi.create('authorization_code', query.get('code'), redirectUri, app.clientId, app.clientSecret),
        (err) => {
          assert.equal(err.code, 400);
          const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
          assert.equal(body.status, 'BAD_AUTH_CODE');
          return true;
        },
      );

      await hubspot.oauth.refreshTokensApi.archive(tokens.refreshToken);
      await assert.rejects(hubspot.oauth.refreshTokensApi.get(tokens.refreshToken), (err) => err.code === 404);
      await assert.rejects(
        hubspot.oauth.tokensApi.create('refresh_token', undefined, undefined, app.clientId, app.clientSecret, tokens.refreshToken),
        (err) => err.code === 400,
      );
    });
  });
}
