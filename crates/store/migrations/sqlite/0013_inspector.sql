-- the protocol inspector's record (server: host/inspector), kept here so that it survives a
-- restart and every instance on one database shows it. one row per recorded widget session
-- and one per entry. portal_id is repeated on the session so that every read is scoped by
-- portal; there is no reference to portal: the record is a log of what happened, and a reset
-- or a fixture load clears it as a whole. the session row carries the counters retention
-- needs (entries, bytes, dropped entries) so that no insert counts rows; next_seq is one past
-- the largest seq written, where an instance that adopts the session continues.
create table inspector_session (
    id text primary key,
    portal_id integer not null,
    app_id integer not null,
    app_url text not null,
    iframe_location text not null,
    started_at integer not null,
    next_seq integer not null default 0,
    entry_count integer not null default 0,
    bytes integer not null default 0,
    dropped_entries integer not null default 0
);
create index inspector_session_by_portal on inspector_session (portal_id, started_at);
create index inspector_session_by_age on inspector_session (started_at, id);

-- one entry: seq is dense and increasing per session (the order entries were recorded);
-- offset_us orders them in time (a rest call is recorded once it has finished). message,
-- findings, effects, rest and fault are json text the store does not read; bytes is what the
-- entry costs in the record's budget.
create table inspector_entry (
    session_id text not null references inspector_session (id) on delete cascade,
    seq integer not null,
    offset_us integer not null,
    flow text not null,
    message_type text,
    external_call_id text,
    message text not null,
    findings text not null,
    effects text not null,
    rest text,
    fault text,
    bytes integer not null,
    primary key (session_id, seq)
);

-- one row that every write of the record updates first: writers of several instances take
-- their turn on it, so trimming one session while another instance writes it cannot deadlock.
create table inspector_writer (
    id integer primary key,
    writes integer not null
);
insert into inspector_writer (id, writes) values (1, 0);
