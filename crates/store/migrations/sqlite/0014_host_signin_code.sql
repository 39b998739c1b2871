-- one-time sign-in links for the host's pages where nobody is signed in automatically (behind
-- a reverse proxy, docs/deploy.md#signing-in). a code is kept as its sha-256 digest only, is
-- taken (deleted) by its first use, and expires (unix milliseconds) after ten minutes.
create table host_signin_code (
    code_hash text primary key,
    portal_id integer not null references portal (id),
    user_id integer not null references portal_user (id),
    expires_at integer not null
);
