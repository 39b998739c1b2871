-- which calls' recordings their app has marked ready (post .../calling/recordings/ready).
-- hubspot has no call property that means this, so the mark is kept beside the call: one row
-- per call, portal_id repeated so that every read is scoped by portal; marking again moves
-- ready_at (epoch milliseconds).
create table call_recording (
    call_id bigint primary key references crm_object (id) on delete cascade,
    portal_id bigint not null references portal (id),
    ready_at bigint not null
);
