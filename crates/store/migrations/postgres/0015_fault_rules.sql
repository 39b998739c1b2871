-- the automation api's fault rules (docs/automation.md#faults), kept here so that every
-- instance on one database applies the same rules and spends a rule's `times` together.
-- owner_kind is 'portal' or 'developer', owner_id that portal's or account's id. rule is the
-- rule's match and effect as json text the store does not read. fired counts firings: a
-- firing is claimed by one update that adds one only while fired < times, so two instances
-- never both take a rule's last firing. position orders rules in the order they were added
-- (the first live rule that matches fires). live state, not data: tables named live_* are
-- left out of fixtures and snapshots, and a reset deletes the rows itself.
create table live_fault_rule (
    id text primary key,
    owner_kind text not null,
    owner_id bigint not null,
    rule text not null,
    times bigint,
    fired bigint not null default 0,
    created_at text not null,
    position bigint not null
);

create index live_fault_rule_owner on live_fault_rule (owner_kind, owner_id, position);

-- one row whose version every change of the rules (an add, a delete, a reset) bumps first:
-- changes take their turn on it, so an owner's count of rules holds, and an instance reading
-- the rules with the version never installs an older list over a newer one.
create table live_fault_version (
    id bigint primary key,
    version bigint not null
);
insert into live_fault_version (id, version) values (1, 0);
