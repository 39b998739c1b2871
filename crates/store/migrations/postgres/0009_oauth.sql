-- oauth apps, as hubspot has them (docs/oauth.md): an app's oauth client, the codes and
-- refresh tokens it is handed, which scopes each install granted, and super admins, the users
-- who may install and uninstall. codes and tokens are kept as sha-256 digests only.

-- one oauth client per app. the client secret is the app's one secret: its plaintext is the
-- webhook-signing key in app_client_secret (the documented exception), and the token endpoint
-- checks this digest of it. redirect urls and scopes are space-separated lists.
create table oauth_client (
    app_id bigint primary key references app (id),
    name text not null,
    client_id text not null unique,
    client_secret_hash text not null,
    redirect_urls text not null,
    scopes text not null,
    optional_scopes text not null,
    created_at bigint not null
);

-- single-use authorization codes, short-lived. code_challenge is pkce's (s256 or plain).
create table oauth_code (
    code_hash text primary key,
    app_id bigint not null references app (id),
    portal_id bigint not null references portal (id),
    user_id bigint not null references portal_user (id),
    redirect_uri text not null,
    scopes text not null,
    code_challenge text,
    code_challenge_method text,
    expires_at bigint not null
);

-- refresh tokens do not expire; they end when revoked or when the app is uninstalled.
create table refresh_token (
    token_hash text primary key,
    app_id bigint not null references app (id),
    portal_id bigint not null references portal (id),
    user_id bigint not null references portal_user (id),
    scopes text not null,
    created_at bigint not null
);
create index refresh_token_install on refresh_token (portal_id, app_id);

-- the app an access token was issued to through oauth; null for development and host tokens.
alter table access_token add column app_id bigint references app (id);
create index access_token_install on access_token (portal_id, app_id) where app_id is not null;

-- the scopes an install granted (space-separated); null for installs made before oauth
-- (the development install), which have every scope the app's tokens are given.
alter table app_install add column scopes text;

-- super admins may install and uninstall apps. every user made before this migration was the
-- only user of a development portal, who installed its apps, so they all become super admins.
alter table portal_user add column super_admin boolean not null default false;
update portal_user set super_admin = true;
