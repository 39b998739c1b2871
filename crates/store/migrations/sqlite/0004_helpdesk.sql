-- the help desk: inboxes, the phone numbers connected to them (channels), and which call
-- engagements belong to which ticket. tickets and calls themselves are ordinary crm objects
-- (0-5 and 0-48) with ordinary associations; these tables keep only what the crm has no
-- property for. every row carries portal_id: nothing crosses portals.

create table helpdesk_inbox (
    id integer primary key autoincrement,
    portal_id integer not null references portal (id),
    name text not null,
    created_at integer not null,
    unique (portal_id, name)
);

-- a number is connected at most once per portal, whichever app offers it: an inbound call
-- must name exactly one inbox. e164 is the webhook's e164PhoneNumber as checked.
create table helpdesk_channel (
    id integer primary key autoincrement,
    portal_id integer not null references portal (id),
    inbox_id integer not null references helpdesk_inbox (id),
    app_id integer not null references app (id),
    e164 text not null,
    friendly_name text,
    connected_at integer not null,
    unique (portal_id, e164)
);
create index helpdesk_channel_inbox on helpdesk_channel (inbox_id, id);

-- a ticket the help desk made from a call: its inbox, the channel the call came in on (kept as
-- a plain id: disconnecting the number leaves its tickets), and the caller it was made for
-- (the first caller-id match, else the calling number) so the next call finds it.
create table helpdesk_ticket (
    ticket_id integer primary key references crm_object (id),
    portal_id integer not null references portal (id),
    inbox_id integer not null references helpdesk_inbox (id),
    channel_id integer not null,
    caller_object_type_id text,
    caller_object_id integer,
    caller_number text,
    created_at integer not null
);
create index helpdesk_ticket_inbox on helpdesk_ticket (portal_id, inbox_id, ticket_id);

-- one row per call the help desk has seen: the ticket it is attached to (none for a call on a
-- number that is not connected) and when the app finalized it (finalize_engagement).
create table helpdesk_call (
    call_id integer primary key references crm_object (id),
    portal_id integer not null references portal (id),
    ticket_id integer references crm_object (id),
    finalized_at integer
);
create index helpdesk_call_ticket on helpdesk_call (ticket_id);
