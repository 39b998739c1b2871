-- hubspot's api rate limits (docs/rate-limits.md): one counter per caller, policy and
-- window. counter_key names the caller and the policy (e.g. "app:7:portal:3|burst"),
-- window_start is the window's first millisecond since the epoch, and a window's row may be
-- deleted once expires_at (milliseconds) has passed. every request adds one to its rows
-- in one upsert, so instances sharing this database share the counts. (the server keeps
-- sqlite's counts in its process; the table is here so both backends have one schema.)
create table rate_limit_counter (
    counter_key text not null,
    window_start integer not null,
    expires_at integer not null,
    hits integer not null,
    primary key (counter_key, window_start)
);

create index rate_limit_counter_expiry on rate_limit_counter (expires_at);
