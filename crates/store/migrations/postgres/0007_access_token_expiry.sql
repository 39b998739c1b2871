-- host sign-in tokens expire (unix milliseconds) so page views cannot grow the table
-- without bound; null keeps api and development tokens valid until they are revoked.
alter table access_token add column expires_at bigint;

create index access_token_expires_at on access_token (expires_at) where expires_at is not null;
