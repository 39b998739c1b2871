//! What the engine does with each app → host message, one module per message family
//! (docs/protocol.md#app-to-host-messages, row by row). The drivers and expectations they
//! share are in `tests/common`.

#[path = "../common/mod.rs"]
mod common;

mod call_status;
mod calls;
mod completion;
mod readiness;
mod widget;
