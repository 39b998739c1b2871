//! HubSpot's ids of the standard CRM object types, named once.
//!
//! The engine needs them (a dialed contact, the call object it logs) and the server's CRM
//! catalog builds its built-in types and association table from them, so no other code spells
//! `"0-48"` or `"0-1"`. Custom object types (`2-...`) are numbered by the store at run time.

/// Contacts.
pub const CONTACT: &str = "0-1";
/// Companies.
pub const COMPANY: &str = "0-2";
/// Deals.
pub const DEAL: &str = "0-3";
/// Tickets (the help desk's tickets are ordinary CRM tickets).
pub const TICKET: &str = "0-5";
/// Calls: the call objects (engagements) the host and the inbound-call API log.
pub const CALL: &str = "0-48";
