-- hubspot's api rate limits (docs/rate-limits.md): one counter per caller, policy and
-- window. counter_key names the caller and the policy (e.g. "app:7:portal:3|burst"),
-- window_start is the window's first millisecond since the epoch, and a window's row may be
-- deleted once expires_at (milliseconds) has passed. every request adds one to its rows
-- in one upsert, so instances sharing this database share the counts.
-- unlogged: counts need no crash safety (a crash forgets them, as a restart of a single
-- process would), and without the write-ahead log a request's upsert does not wait for a
-- flush to disk, which halved the throughput of a limited route.
create unlogged table rate_limit_counter (
    counter_key text not null,
    window_start bigint not null,
    expires_at bigint not null,
    hits bigint not null,
    primary key (counter_key, window_start)
);

create index rate_limit_counter_expiry on rate_limit_counter (expires_at);
