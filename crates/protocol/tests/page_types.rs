//! `web/static/types.js` is generated from the page protocol's Rust types: this fails when the
//! committed file is not what the generator writes now.

use std::path::Path;

#[test]
fn web_static_types_js_is_what_the_generator_writes() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/static/types.js");
    let committed = std::fs::read_to_string(&path).expect("web/static/types.js");
    let fresh = callhost_protocol::page_types::render();
    assert!(
        committed == fresh,
        "stale: run `cargo run -p callhost-protocol --example page-types` and commit web/static/types.js"
    );
}

#[test]
fn the_page_types_name_every_frame_and_no_store_result() {
    let fresh = callhost_protocol::page_types::render();
    for expected in [
        "@typedef {{kind: \"loaded\"}",
        "({kind: \"dial\"} & DialRequest)",
        "{kind: \"session\", sessionId: string, config: SessionConfig}",
        "({kind: \"ui\"} & UiCommand)",
        "displayName: string | null",
        "@property {string | null} [countryCode]",
    ] {
        assert!(fresh.contains(expected), "{expected} missing from\n{fresh}");
    }
    for absent in ["\"done\"", "\"store\"", "\"log\"", "\"error\""] {
        assert!(!fresh.contains(absent), "{absent} in\n{fresh}");
    }
}
