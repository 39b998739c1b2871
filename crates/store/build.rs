// `sqlx::migrate!` embeds the migrations at compile time; a new migration file must rebuild
// the crate even when no Rust file changed.
//
// The PostgreSQL variants of the contract tests are compiled as ignored (reported as skipped
// by cargo test and nextest) unless `CALLHOST_TEST_DATABASE_URL` is set, or `CI` is, where
// they run and fail without a database rather than let CI skip them. libtest has no skip at
// run time, so the choice is made here, when the tests are built.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo::rustc-check-cfg=cfg(callhost_test_postgres)");
    println!("cargo:rerun-if-env-changed=CALLHOST_TEST_DATABASE_URL");
    println!("cargo:rerun-if-env-changed=CI");
    let configured = std::env::var("CALLHOST_TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty());
    let ci = std::env::var("CI").is_ok_and(|ci| !ci.is_empty() && ci != "false");
    if configured || ci {
        println!("cargo:rustc-cfg=callhost_test_postgres");
    }
}
