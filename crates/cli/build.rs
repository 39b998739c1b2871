// The PostgreSQL variant of the crash test is compiled as ignored (reported as skipped)
// unless `CALLHOST_TEST_DATABASE_URL` is set, or `CI` is, where it runs and fails without a
// database rather than let CI skip it: the same rule as the store's contract tests.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(callhost_test_postgres)");
    println!("cargo:rerun-if-env-changed=CALLHOST_TEST_DATABASE_URL");
    println!("cargo:rerun-if-env-changed=CI");
    let configured = std::env::var("CALLHOST_TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty());
    let ci = std::env::var("CI").is_ok_and(|ci| !ci.is_empty() && ci != "false");
    if configured || ci {
        println!("cargo:rustc-cfg=callhost_test_postgres");
    }
}
