//! The protocol engine: one state machine per widget session, no I/O.
//!
//! Every decision about the postMessage protocol is made here: what to reply, what to store,
//! what to show, which messages are wrong and why. The server feeds it [`Input`]s and carries
//! out its [`Output`]s; tests do the same without a browser.
//!
//! [`Session`] is the state machine; [`findings`] documents every validation finding code the
//! inspector shows; [`origin`] holds the origin and SET_WIDGET_URL rules; [`call_object`]
//! decides the properties of a logged call (the inbound-call API builds on it too);
//! [`PageInput`] and [`PageOutput`] (`page`) are the host page's share of the interface, its
//! WebSocket frames. The rest is private: envelope and field checks (`validate`), reply
//! payloads (`replies`), and the handlers, grouped by concern (`readiness`, `calls`,
//! `completion`, `widget`).

pub mod call_object;
mod calls;
mod completion;
pub mod findings;
pub mod io;
pub mod origin;
mod page;
mod readiness;
mod replies;
mod session;
mod validate;
mod widget;

pub use calls::Call;
pub use io::*;
pub use page::{PageInput, PageOutput};
pub use replies::{caller_id_matches, object_type_name};
pub use session::Session;
