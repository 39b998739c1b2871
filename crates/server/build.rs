//! Rebuilds the server when the embedded static files change (see `src/assets.rs`):
//! `include_dir!` alone does not tell cargo to watch them.

fn main() {
    for dir in ["../../sdk/dist", "../../demo", "../../web"] {
        println!("cargo:rerun-if-changed={dir}");
    }
}
