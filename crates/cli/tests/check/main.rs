//! `callhost check` run as a user runs it: the real binary against the demo app (served by a
//! `callhost serve` the test starts), against a test app on the official SDK with a scenario
//! that makes, answers, ends and completes a call, and against failing apps, each of which
//! must fail with a precise JUnit message. Needs Chromium at /usr/bin/chromium: skipped with a
//! reason when it is absent, failed when `CI` is set.

mod support;

use std::net::TcpListener;
use std::process::Command;

use support::{browser_available, check, failure, repo, sdk_pages, serve, serve_demo};

/// The demo app's scenario as docs/testing-in-ci.md shows it, so the guide's example runs.
fn demo_scenario() -> String {
    let guide = std::fs::read_to_string(repo().join("docs/testing-in-ci.md")).unwrap();
    let marker = "<!-- check: demo scenario -->\n```json\n";
    let start = guide
        .find(marker)
        .expect("the guide shows the demo scenario")
        + marker.len();
    let end = start + guide[start..].find("\n```\n").unwrap();
    guide[start..end].to_owned()
}

#[test]
fn the_demo_app_passes_the_suite_and_a_call_scenario() {
    if !browser_available("the demo app") {
        return;
    }
    let (_serve, demo) = serve_demo();
    let run = check(&demo, &[], &[&demo_scenario()]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains("8 passed, 0 failed, 0 skipped"),
        "{}",
        run.stdout
    );
    assert_eq!(run.junit.matches("<testcase ").count(), 8, "{}", run.junit);
    eprintln!(
        "the suite and one scenario on the demo app: {:.1} s",
        run.seconds
    );
}

#[test]
fn an_official_sdk_app_passes_with_a_scenario_of_a_whole_call() {
    if !browser_available("the official SDK app") {
        return;
    }
    let app = serve(sdk_pages("", ""));
    let scenario = r#"{"name": "a call is made, answered, ended and completed", "steps": [
      {"host": "dial", "phoneNumber": "+16175550123"},
      {"expect": "DIAL_NUMBER", "within": 2000, "data": {"phoneNumber": "+16175550123"}},
      {"expect": "OUTGOING_CALL_STARTED", "data": {"toNumber": "+16175550123"}},
      {"expect": "CALL_ANSWERED"},
      {"expect": "CALL_ENDED", "data": {"callEndStatus": "COMPLETED"}},
      {"expect": "CALL_COMPLETED"},
      {"expectCall": {"hs_call_status": "COMPLETED"}},
      {"app": "waitFor", "text": "onCreateEngagementSucceeded"},
      {"expectNoFindings": true}
    ]}"#;
    let run = check(&format!("{app}/umd.html?auto=complete"), &[], &[scenario]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("8 passed"), "{}", run.stdout);
}

#[test]
fn a_scenario_expectation_that_fails_says_what_came_instead() {
    if !browser_available("a failing scenario") {
        return;
    }
    let app = serve(sdk_pages("", ""));
    let scenario = r#"{"name": "wrong number", "steps": [
      {"host": "dial", "phoneNumber": "+16175550123"},
      {"expect": "OUTGOING_CALL_STARTED", "within": 3000, "data": {"toNumber": "+15550000000"}}
    ]}"#;
    let run = check(&format!("{app}/umd.html?auto=complete"), &[], &[scenario]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let message = failure(&run.junit, "wrong number");
    assert!(
        message.starts_with("step 1 (expect OUTGOING_CALL_STARTED): expected OUTGOING_CALL_STARTED with data {&quot;toNumber&quot;:&quot;+15550000000&quot;} within 3000 ms; it came with data"),
        "{message}"
    );
}

#[test]
fn an_app_that_never_initializes_fails_the_handshake() {
    if !browser_available("an app that never initializes") {
        return;
    }
    let app = serve(sdk_pages("", ""));
    let run = check(&format!("{app}/umd.html?manual"), &["--timeout", "2"], &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        failure(&run.junit, "SYNC_ACK then INITIALIZED with a valid payload"),
        "expected INITIALIZED after SYNC_ACK within 2000 ms; none came (the app sent SYNC_ACK)"
    );
}

#[test]
fn a_malformed_outgoing_call_started_is_an_error_finding() {
    if !browser_available("a malformed OUTGOING_CALL_STARTED") {
        return;
    }
    let app = serve(sdk_pages(
        "",
        "handlers.onDialNumber = () => cti.outgoingCall({ externalCallId: 'c-1', toNumber: 42, createEngagement: 'yes' });",
    ));
    let run = check(&format!("{app}/custom.html"), &[], &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let message = failure(&run.junit, "no finding of error severity");
    assert!(
        message.starts_with(
            "expected no finding of error severity; got wrong-type on OUTGOING_CALL_STARTED"
        ),
        "{message}"
    );
}

/// An app that creates the engagement itself but never says which: its CALL_COMPLETED with
/// properties and no `engagementId` updates nothing (the engine's `unknown-engagement`).
#[test]
fn call_completed_without_an_engagement_id_is_an_error_finding() {
    if !browser_available("CALL_COMPLETED without engagementId") {
        return;
    }
    let app = serve(sdk_pages(
        "",
        "handlers.onDialNumber = (d) => { cti.outgoingCall({ externalCallId: 'c-1', toNumber: d.phoneNumber, createEngagement: false });\
         cti.callEnded({ externalCallId: 'c-1', callEndStatus: 'COMPLETED' });\
         cti.callCompleted({ externalCallId: 'c-1', hideWidget: false, engagementProperties: { hs_call_body: 'notes' } }); };",
    ));
    let run = check(&format!("{app}/custom.html"), &[], &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let message = failure(&run.junit, "no finding of error severity");
    assert!(
        message.starts_with(
            "expected no finding of error severity; got unknown-engagement on CALL_COMPLETED"
        ),
        "{message}"
    );
}

#[test]
fn an_app_served_with_x_frame_options_deny_is_refused_with_the_reason() {
    if !browser_available("X-Frame-Options") {
        return;
    }
    let app = serve(sdk_pages("X-Frame-Options: DENY\r\n", ""));
    let run = check(&format!("{app}/umd.html"), &[], &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let message = failure(&run.junit, "page loads in an iframe");
    assert!(
        message.contains("it is served with `X-Frame-Options: DENY`, so the browser refuses to show it in the iframe"),
        "{message}"
    );
    assert!(run.junit.contains("skipped=\"6\""), "{}", run.junit);
}

#[test]
fn an_unreachable_app_fails_with_the_connection_error() {
    if !browser_available("an unreachable app") {
        return;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let run = check(&url, &[], &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let message = failure(&run.junit, "page loads in an iframe");
    assert!(
        message.starts_with(&format!(
            "expected the app&apos;s page {url} to be reachable; it could not connect"
        )),
        "{message}"
    );
}

#[test]
fn usage_and_setup_errors_exit_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"name": "x", "steps": [{"host": "dial"}, {"app": "click"}]}"#,
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_callhost"))
        .args(["check", "--app-url", "http://127.0.0.1:9/", "--scenario"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "{}: steps[1].selector: expected a string",
            bad.display()
        )),
        "{stderr}"
    );

    let output = Command::new(env!("CARGO_BIN_EXE_callhost"))
        .args(["check", "--app-url", "http://127.0.0.1:9/"])
        .env("PATH", dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no Chromium found on PATH"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

#[test]
fn a_fixture_app_is_checked_at_the_app_url_and_the_transcript_is_written() {
    if !browser_available("a fixture") {
        return;
    }
    let app = serve(sdk_pages("", ""));
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("transcript.json");
    let fixture = repo().join("docs/fixture.example.json");
    let run = check(
        &format!("{app}/umd.html"),
        &[
            "--fixture",
            fixture.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    let transcript: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(transcript["sessionId"].as_str().unwrap().starts_with("ws-"));
    let types: Vec<&str> = transcript["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    for kind in ["SYNC", "SYNC_ACK", "INITIALIZED", "DIAL_NUMBER"] {
        assert!(types.contains(&kind), "{kind} missing from {types:?}");
    }
}

#[test]
fn console_errors_are_listed_and_fail_only_under_strict() {
    if !browser_available("console errors") {
        return;
    }
    let app = serve(sdk_pages(
        "",
        "handlers.onDialNumber = () => {}; console.error('the app is unwell'); setTimeout(() => { throw new Error('kaboom'); }, 0);",
    ));
    let run = check(&format!("{app}/custom.html"), &["--strict"], &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        failure(&run.junit, "no uncaught errors in the console"),
        "expected no uncaught errors (--strict); got 2"
    );
    assert!(
        run.stdout.contains("console.error: the app is unwell"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("kaboom"), "{}", run.stdout);
}

/// A scenario's fault fires in it and is gone in the next scenario of the same run.
#[test]
fn a_fault_lasts_for_its_scenario_only() {
    if !browser_available("faults") {
        return;
    }
    let app = serve(sdk_pages("", ""));
    let failing = r#"{"name": "the engagement cannot be created", "steps": [
      {"fault": {"match": {"messageType": "OUTGOING_CALL_STARTED"}, "effect": {"kind": "fail", "message": "Database unavailable"}}},
      {"host": "dial", "phoneNumber": "+16175550123"},
      {"expect": "CREATE_ENGAGEMENT_FAILED", "within": 3000},
      {"expect": "FAULT"}
    ]}"#;
    let sound = r#"{"name": "the next scenario has no fault", "steps": [
      {"host": "dial", "phoneNumber": "+16175550123"},
      {"expect": "CREATE_ENGAGEMENT_SUCCEEDED", "within": 3000}
    ]}"#;
    let run = check(
        &format!("{app}/umd.html?auto=complete"),
        &[],
        &[failing, sound],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("9 passed"), "{}", run.stdout);
}

/// An app that starts logged out: the dial check is skipped with the reason, and a scenario
/// logs in by clicking in the app before it dials.
#[test]
fn an_app_that_needs_a_login_logs_in_in_a_scenario() {
    if !browser_available("a login") {
        return;
    }
    let app = serve(sdk_pages(
        "",
        "handlers.onReady = () => cti.initialized({ isLoggedIn: false });\
         handlers.onDialNumber = (d) => { document.getElementById('status').textContent = 'Dialing ' + d.phoneNumber; };\
         const login = document.createElement('button'); login.id = 'login'; login.textContent = 'Log in';\
         login.onclick = () => { cti.userLoggedIn(); document.getElementById('status').textContent = 'Connected'; };\
         document.body.append(login);",
    ));
    let scenario = r##"{"name": "log in, then dial", "steps": [
      {"app": "click", "selector": "#login"},
      {"app": "waitFor", "text": "Connected"},
      {"expect": "LOGGED_IN"},
      {"host": "dial", "phoneNumber": "+16175550123"},
      {"app": "waitFor", "text": "Dialing +16175550123"}
    ]}"##;
    let run = check(&format!("{app}/custom.html"), &[], &[scenario]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("skip conformance / DIAL_NUMBER accepted once logged in"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("7 passed, 0 failed, 1 skipped"),
        "{}",
        run.stdout
    );
}
