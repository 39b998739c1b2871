//! Writes `web/static/types.js`, the host page's typedefs of the engine's WebSocket protocol,
//! from the Rust types (`callhost_protocol::page_types`). Run it after changing a page-visible
//! type in `engine/io.rs`; `tests/page_types.rs` fails until the file is written again.

use std::path::Path;

fn main() -> std::io::Result<()> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/static/types.js");
    std::fs::write(&path, callhost_protocol::page_types::render())?;
    eprintln!("wrote {}", path.display());
    Ok(())
}
