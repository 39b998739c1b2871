-- each app's client secret, which signs the webhooks callhost sends to it (hubspot's v1, v2 and
-- v3 signatures). unlike api keys and tokens it is kept in plain text: an hmac needs the key
-- itself, and hubspot shows it in the app's settings at any time. one row per app, replaced on
-- rotation.
create table app_client_secret (
    app_id bigint primary key references app (id),
    secret text not null,
    created_at bigint not null
);
