-- saved searches of the host's list pages: a name and a crm search query, kept per portal,
-- user and object type so that they follow the user to any browser (they used to live in
-- the browser's localStorage). the query is the question, not its answer: running it again
-- takes the current results. names are unique per (portal, user, object type).
create table saved_search (
    id integer primary key autoincrement,
    portal_id integer not null references portal (id),
    user_id integer not null references portal_user (id),
    object_type_id text not null,
    name text not null,
    query text not null,
    created_at integer not null,
    unique (portal_id, user_id, object_type_id, name)
);
