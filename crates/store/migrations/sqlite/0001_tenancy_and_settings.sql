-- tenancy (developer accounts, portals, users, credentials), apps and their calling settings.
-- times are whole milliseconds since the unix epoch, so both backends store them the same way.

create table developer_account (
    id integer primary key,
    name text not null,
    created_at integer not null
);

-- only the sha-256 of a key is kept: keys are shown once, when created.
create table developer_api_key (
    key_hash text primary key,
    developer_account_id integer not null references developer_account (id),
    created_at integer not null
);

create table portal (
    id integer primary key,
    name text not null,
    created_at integer not null
);

-- every user is also an owner (crm/v3/owners), with an id of its own as in hubspot.
create table portal_user (
    id integer primary key,
    portal_id integer not null references portal (id),
    owner_id integer not null unique,
    email text not null,
    first_name text not null,
    last_name text not null,
    created_at integer not null
);
create index portal_user_portal on portal_user (portal_id);

-- scopes are a space-separated list, as in oauth.
create table access_token (
    token_hash text primary key,
    portal_id integer not null references portal (id),
    user_id integer not null references portal_user (id),
    developer_account_id integer references developer_account (id),
    scopes text not null,
    created_at integer not null
);

-- app ids come from the developer (the path of the settings endpoints), not from us.
create table app (
    id integer primary key,
    developer_account_id integer not null references developer_account (id),
    created_at integer not null
);

create table app_install (
    portal_id integer not null references portal (id),
    app_id integer not null references app (id),
    created_at integer not null,
    primary key (portal_id, app_id)
);

create table calling_settings (
    app_id integer primary key references app (id),
    name text not null,
    url text not null,
    width integer not null,
    height integer not null,
    is_ready boolean not null,
    supports_custom_objects boolean not null,
    supports_inbound_calling boolean not null,
    uses_calling_window boolean not null,
    uses_remote boolean not null,
    created_at integer not null,
    updated_at integer not null
);

create table recording_settings (
    app_id integer primary key references app (id),
    url_to_retrieve_authed_recording text not null,
    created_at integer not null,
    updated_at integer not null
);

create table channel_connection_settings (
    app_id integer primary key references app (id),
    url text not null,
    is_ready boolean not null,
    created_at integer not null,
    updated_at integer not null
);

-- small facts about this store, such as which records the development seed created.
create table meta (
    key text primary key,
    value text not null
);
