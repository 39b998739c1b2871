//! Rebuilds the server when the embedded static files change (see `src/assets.rs`):
//! `include_dir!` alone does not tell cargo to watch them.
//!
//! Also decides whether the API tests' PostgreSQL variants run: they are compiled as ignored
//! (reported as skipped) unless `CALLHOST_TEST_DATABASE_URL` or `CI` is set; under CI they
//! run, and fail without a database, so CI never skips them. libtest has no skip at run time,
//! so the choice is made when the tests are built.

fn main() {
    for dir in ["../../sdk/dist", "../../demo", "../../web"] {
        println!("cargo:rerun-if-changed={dir}");
    }
    println!("cargo::rustc-check-cfg=cfg(callhost_test_postgres)");
    println!("cargo:rerun-if-env-changed=CALLHOST_TEST_DATABASE_URL");
    println!("cargo:rerun-if-env-changed=CI");
    let configured = std::env::var("CALLHOST_TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty());
    let ci = std::env::var("CI").is_ok_and(|ci| !ci.is_empty() && ci != "false");
    if configured || ci {
        println!("cargo:rustc-cfg=callhost_test_postgres");
    }
}
