//! The object types callhost knows: HubSpot's built-in types with their default properties,
//! and custom types read from stored schemas, plus HubSpot's association type ids.
//!
//! An [`ObjectType`] is everything the API needs to validate, search and render objects of
//! a type; handlers never hard-code a property name of their own, nor a type id: the standard
//! ids are [`object_type`]'s constants (shared with the engine, re-exported here).

use std::sync::LazyLock;

pub use callhost_protocol::object_type;
use object_type::{CALL, COMPANY, CONTACT, DEAL, TICKET};

/// What a property holds, for validation, filtering and sorting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    String,
    Number,
    /// Stored as ISO-8601 with milliseconds; compared as epoch milliseconds.
    DateTime,
    Bool,
    /// One of these option values.
    Enumeration(Vec<String>),
}

impl Kind {
    /// HubSpot's `type` name of the kind.
    pub fn type_name(&self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::Number => "number",
            Kind::DateTime => "datetime",
            Kind::Bool => "bool",
            Kind::Enumeration(_) => "enumeration",
        }
    }

    /// Compared as numbers (numbers, and datetimes as epoch milliseconds) rather than text.
    pub fn is_numeric(&self) -> bool {
        matches!(self, Kind::Number | Kind::DateTime)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyDef {
    pub name: String,
    pub label: String,
    pub kind: Kind,
    /// Computed by the store; writing it is an error.
    pub read_only: bool,
    /// Usable as `idProperty` (no two objects share a value).
    pub unique: bool,
}

/// An object type and its rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectType {
    /// `0-1`, `0-48`, `2-17`, ...
    pub id: String,
    /// The plural name (`contacts`), as used in paths and association keys.
    pub name: String,
    /// The singular name (`contact`), as used in association labels (`call_to_contact`).
    pub singular: String,
    pub properties: Vec<PropertyDef>,
    /// Properties a create must set.
    pub required: Vec<String>,
    /// What a read returns when no `properties` are asked for.
    pub defaults: Vec<String>,
    /// Where a search's free-text `query` looks.
    pub searchable: Vec<String>,
    pub read_scope: &'static str,
    pub write_scope: &'static str,
}

impl ObjectType {
    pub fn property(&self, name: &str) -> Option<&PropertyDef> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// The object type as HubSpot spells it in error messages (`CALL`, `CONTACT`).
    pub fn label(&self) -> String {
        self.singular.to_uppercase()
    }
}

/// The properties every type has, computed by the store.
fn computed() -> Vec<PropertyDef> {
    ["hs_object_id", "hs_createdate", "hs_lastmodifieddate"]
        .into_iter()
        .map(|name| PropertyDef {
            name: name.into(),
            label: name.into(),
            kind: if name == "hs_object_id" {
                Kind::Number
            } else {
                Kind::DateTime
            },
            read_only: true,
            unique: name == "hs_object_id",
        })
        .collect()
}

fn prop(name: &str, kind: Kind) -> PropertyDef {
    PropertyDef {
        name: name.into(),
        label: name.into(),
        kind,
        read_only: false,
        unique: false,
    }
}

fn options(values: &[&str]) -> Kind {
    Kind::Enumeration(values.iter().map(|v| (*v).to_owned()).collect())
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

/// The statuses a call can have (`hs_call_status`), including the inbound-call API's.
pub const CALL_STATUSES: &[&str] = &[
    "BUSY",
    "CALLING_CRM_USER",
    "CANCELED",
    "COMPLETED",
    "CONNECTING",
    "FAILED",
    "IN_PROGRESS",
    "MISSED",
    "NO_ANSWER",
    "QUEUED",
    "RINGING",
    "HOLD",
    "UNKNOWN",
];

struct Builtin<'a> {
    id: &'a str,
    name: &'a str,
    singular: &'a str,
    properties: Vec<PropertyDef>,
    required: &'a [&'a str],
    defaults: &'a [&'a str],
    searchable: &'a [&'a str],
    scope: &'static str,
}

fn build(b: Builtin<'_>) -> ObjectType {
    let (read_scope, write_scope) = match b.scope {
        "contacts" => ("crm.objects.contacts.read", "crm.objects.contacts.write"),
        "companies" => ("crm.objects.companies.read", "crm.objects.companies.write"),
        "deals" => ("crm.objects.deals.read", "crm.objects.deals.write"),
        _ => ("tickets", "tickets"),
    };
    let mut properties = computed();
    properties.extend(b.properties);
    let mut defaults = strings(b.defaults);
    defaults.extend(strings(&[
        "hs_object_id",
        "hs_createdate",
        "hs_lastmodifieddate",
    ]));
    ObjectType {
        id: b.id.into(),
        name: b.name.into(),
        singular: b.singular.into(),
        properties,
        required: strings(b.required),
        defaults,
        searchable: strings(b.searchable),
        read_scope,
        write_scope,
    }
}

/// HubSpot's built-in object types that callhost serves.
pub static BUILTIN: LazyLock<Vec<ObjectType>> = LazyLock::new(|| {
    use Kind::*;
    let owner = || prop("hubspot_owner_id", String);
    let mut email = prop("email", String);
    email.unique = true;
    vec![
        build(Builtin {
            id: CONTACT,
            name: "contacts",
            singular: "contact",
            properties: vec![
                email,
                prop("firstname", String),
                prop("lastname", String),
                prop("phone", String),
                prop("mobilephone", String),
                prop("hs_whatsapp_phone_number", String),
                prop("company", String),
                prop("jobtitle", String),
                prop("city", String),
                prop("country", String),
                prop("lifecyclestage", String),
                owner(),
            ],
            required: &[],
            defaults: &["firstname", "lastname", "email"],
            searchable: &[
                "firstname",
                "lastname",
                "email",
                "phone",
                "mobilephone",
                "company",
            ],
            scope: "contacts",
        }),
        build(Builtin {
            id: COMPANY,
            name: "companies",
            singular: "company",
            properties: vec![
                prop("name", String),
                prop("domain", String),
                prop("phone", String),
                prop("city", String),
                prop("country", String),
                prop("industry", String),
                owner(),
            ],
            required: &[],
            defaults: &["name", "domain"],
            searchable: &["name", "domain", "phone"],
            scope: "companies",
        }),
        build(Builtin {
            id: DEAL,
            name: "deals",
            singular: "deal",
            properties: vec![
                prop("dealname", String),
                prop("amount", Number),
                prop("closedate", DateTime),
                prop("dealstage", String),
                prop("pipeline", String),
                owner(),
            ],
            required: &[],
            defaults: &["dealname", "amount", "dealstage", "pipeline", "closedate"],
            searchable: &["dealname"],
            scope: "deals",
        }),
        build(Builtin {
            id: TICKET,
            name: "tickets",
            singular: "ticket",
            properties: vec![
                prop("subject", String),
                prop("content", String),
                prop("hs_pipeline", options(&["0"])),
                prop("hs_pipeline_stage", options(&["1", "2", "3", "4"])),
                prop(
                    "hs_ticket_priority",
                    options(&["LOW", "MEDIUM", "HIGH", "URGENT"]),
                ),
                prop("hs_ticket_category", String),
                owner(),
            ],
            required: &["hs_pipeline_stage"],
            defaults: &["subject", "content", "hs_pipeline", "hs_pipeline_stage"],
            searchable: &["subject", "content"],
            scope: "tickets",
        }),
        build(Builtin {
            id: CALL,
            name: "calls",
            singular: "call",
            properties: vec![
                prop("hs_timestamp", DateTime),
                prop("hs_call_title", String),
                prop("hs_call_body", String),
                prop("hs_call_direction", options(&["INBOUND", "OUTBOUND"])),
                prop("hs_call_disposition", String),
                prop("hs_call_duration", Number),
                prop("hs_call_from_number", String),
                prop("hs_call_to_number", String),
                prop("hs_call_status", options(CALL_STATUSES)),
                prop("hs_call_recording_url", String),
                prop("hs_call_callee_object_id", String),
                prop("hs_call_callee_object_type", String),
                prop("hs_call_callee_object_type_id", String),
                prop("hs_call_source", String),
                prop("hs_call_app_id", String),
                prop("hs_call_external_id", String),
                prop("hs_call_external_account_id", String),
                prop("hs_activity_type", String),
                prop("hs_attachment_ids", String),
                owner(),
            ],
            required: &["hs_timestamp"],
            defaults: &[],
            searchable: &["hs_call_title", "hs_call_body"],
            scope: "contacts",
        }),
    ]
});

/// The built-in type a path segment names: plural, singular or type id.
pub fn builtin(raw: &str) -> Option<&'static ObjectType> {
    // The built-in names and ids are lowercase: this is comparing `raw` lowercased.
    BUILTIN.iter().find(|t| {
        t.id.eq_ignore_ascii_case(raw)
            || t.name.eq_ignore_ascii_case(raw)
            || t.singular.eq_ignore_ascii_case(raw)
    })
}

/// HubSpot-defined association types: `(from, to, type id, reverse type id)`, the first of a
/// pair being its default (unlabeled) type.
const HUBSPOT_DEFINED: &[(&str, &str, i32, i32)] = &[
    (CONTACT, COMPANY, 279, 280),
    (CONTACT, COMPANY, 1, 2),
    (CONTACT, DEAL, 4, 3),
    (CONTACT, TICKET, 15, 16),
    (COMPANY, DEAL, 342, 341),
    (COMPANY, TICKET, 340, 339),
    (DEAL, TICKET, 27, 28),
    (CALL, CONTACT, 194, 193),
    (CALL, COMPANY, 182, 181),
    (CALL, DEAL, 206, 205),
    (CALL, TICKET, 220, 219),
];

/// The HubSpot-defined types from `from` to `to`, as `(type id, reverse type id)`, the
/// default first.
pub fn hubspot_defined(from: &str, to: &str) -> Vec<(i32, i32)> {
    let forward = HUBSPOT_DEFINED
        .iter()
        .filter(|(f, t, ..)| *f == from && *t == to)
        .map(|(_, _, id, rev)| (*id, *rev));
    let backward = HUBSPOT_DEFINED
        .iter()
        .filter(|(f, t, ..)| *f == to && *t == from)
        .map(|(_, _, id, rev)| (*rev, *id));
    forward.chain(backward).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_found_by_name_singular_or_id_and_associations_both_ways() {
        assert_eq!(builtin("calls").unwrap().id, "0-48");
        assert_eq!(builtin("Call").unwrap().id, "0-48");
        assert_eq!(builtin("0-1").unwrap().name, "contacts");
        assert!(builtin("widgets").is_none());
        assert_eq!(hubspot_defined("0-48", "0-1")[0], (194, 193));
        assert_eq!(hubspot_defined("0-1", "0-48")[0], (193, 194));
        assert_eq!(hubspot_defined("0-2", "0-1")[0], (280, 279));
    }

    /// `builtin` compares names without regard to case, which is comparing the name asked
    /// for lowercased only while every built-in name is lowercase.
    #[test]
    fn built_in_names_and_ids_are_lowercase() {
        for t in BUILTIN.iter() {
            for name in [&t.id, &t.name, &t.singular] {
                assert_eq!(*name, name.to_ascii_lowercase());
            }
        }
        assert_eq!(builtin("CONTACTS").unwrap().id, "0-1");
        assert!(builtin("contacts ").is_none());
    }
}
