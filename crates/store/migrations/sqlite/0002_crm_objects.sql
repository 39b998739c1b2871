-- crm objects of every type (contacts 0-1, companies 0-2, tickets 0-5, calls 0-48, custom 2-n),
-- their properties and property history, associations, the e.164 phone index for caller id,
-- and custom object schemas. everything carries portal_id: nothing crosses portals.

-- ids come from the rowid (64-bit, never reused thanks to autoincrement), as hubspot's
-- object ids are 64-bit numbers printed as strings.
create table crm_object (
    id integer primary key autoincrement,
    portal_id integer not null references portal (id),
    object_type_id text not null,
    archived boolean not null default false,
    archived_at integer,
    created_at integer not null,
    updated_at integer not null
);
create index crm_object_listing on crm_object (portal_id, object_type_id, archived, id);

-- one row per object and set property; values are strings as in the api. num_value holds the
-- value as a number (numbers as such, datetimes as epoch milliseconds) for range filters.
create table crm_property_value (
    object_id integer not null references crm_object (id),
    name text not null,
    value text not null,
    num_value real,
    primary key (object_id, name)
);
create index crm_property_value_by_value on crm_property_value (name, value);
-- search compares text case-insensitively.
create index crm_property_value_by_text on crm_property_value (name, lower(value));
create index crm_property_value_by_number on crm_property_value (name, num_value);

-- every write of a property, newest last (seq), for propertiesWithHistory.
create table crm_property_history (
    seq integer primary key autoincrement,
    object_id integer not null references crm_object (id),
    name text not null,
    value text not null,
    changed_at integer not null,
    source_type text not null
);
create index crm_property_history_object on crm_property_history (object_id, name, seq);

-- the normalized e.164 form of every phone property of contacts and companies.
create table crm_phone (
    object_id integer not null references crm_object (id),
    property text not null,
    portal_id integer not null,
    e164 text not null,
    primary key (object_id, property)
);
create index crm_phone_lookup on crm_phone (portal_id, e164);

-- directed: an association a -> b is kept with its reverse b -> a (written together).
create table crm_association (
    portal_id integer not null,
    from_id integer not null references crm_object (id),
    to_id integer not null references crm_object (id),
    to_object_type_id text not null,
    category text not null,
    type_id integer not null,
    created_at integer not null,
    primary key (from_id, to_id, category, type_id)
);
create index crm_association_listing on crm_association (from_id, to_object_type_id, to_id);

-- custom object schemas; object_type_id is '2-' followed by the id. the definition is the
-- api's json, which the server owns; the store only keys it.
create table crm_schema (
    id integer primary key autoincrement,
    portal_id integer not null references portal (id),
    name text not null,
    definition text not null,
    archived boolean not null default false,
    created_at integer not null,
    updated_at integer not null,
    unique (portal_id, name)
);
