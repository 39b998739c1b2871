//! The ready line a `callhost serve` prints once it listens: shared by the tests and examples
//! that start the real binary.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout};

use serde_json::Value;

/// Reads `child`'s first line, which must be its ready line; returns the rest of its output
/// (kept open, so the child never writes into a closed pipe) and the ready line's JSON.
pub fn read_ready(child: &mut Child) -> (ChildStdout, Value) {
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let ready: Value = serde_json::from_str(
        line.strip_prefix("callhost ready ")
            .unwrap_or_else(|| panic!("not a ready line: {line:?}")),
    )
    .unwrap();
    (stdout.into_inner(), ready)
}
