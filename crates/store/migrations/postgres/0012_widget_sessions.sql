-- widget sessions, so that a page whose websocket reconnects to another callhost process on
-- the same database resumes its session (docs/design.md#session-handover). one row per
-- session: who it belongs to, which process drives it now (owner, an instance id, changed
-- only by compare-and-set), and the engine's state with the frames waiting for the page
-- (state, json), written after each input; version orders those writes. live state, not
-- data: tables named live_* are left out of fixtures and snapshots, and a reset deletes the
-- rows itself.
create table live_widget_session (
    id text primary key,
    portal_id bigint not null,
    user_id bigint not null,
    app_id bigint not null,
    location text not null,
    owner text not null,
    connected boolean not null,
    version bigint not null,
    last_seen bigint not null,
    state text not null
);

create index live_widget_session_user on live_widget_session (portal_id, user_id);
