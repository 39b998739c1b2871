//! `callhost check` run as a user runs it: the real binary against the demo app (served by a
//! `callhost serve` the test starts), against a test app on the official SDK with a scenario
//! that makes, answers, ends and completes a call, and against failing apps, each of which
//! must fail with a precise JUnit message. Needs Chromium at /usr/bin/chromium: skipped with a
//! reason when it is absent, failed when `CI` is set.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

const CHROMIUM: &str = "/usr/bin/chromium";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Whether the browser tests can run here; panics under CI when they cannot.
fn browser_available(what: &str) -> bool {
    let sdk = official_sdk();
    if Path::new(CHROMIUM).is_file() && sdk.is_file() {
        return true;
    }
    let reason = format!(
        "{what}: needs {CHROMIUM} and the official SDK in e2e/node_modules (scripts/setup.sh installs both)"
    );
    assert!(std::env::var_os("CI").is_none(), "{reason}");
    eprintln!("skipped: {reason}");
    false
}

fn official_sdk() -> PathBuf {
    repo().join("e2e/node_modules/@hubspot/calling-extensions-sdk/dist/main.js")
}

/// A page the test app server answers with.
struct Page {
    path: &'static str,
    headers: &'static str,
    body: String,
}

/// Serves `pages` on a loopback port until the test process ends; answers 404 otherwise.
fn serve(pages: Vec<Page>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                    break;
                }
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/");
            let path = path.split('?').next().unwrap_or(path);
            let response = match pages.iter().find(|p| p.path == path) {
                Some(page) => {
                    let kind = if path.ends_with(".js") {
                        "text/javascript"
                    } else {
                        "text/html; charset=utf-8"
                    };
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n{}Connection: close\r\n\r\n{}",
                        page.body.len(),
                        page.headers,
                        page.body
                    )
                }
                None => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_owned(),
            };
            let _ = stream.write_all(response.as_bytes());
        }
    });
    url
}

/// The official SDK, e2e's test app on it, and a page whose app runs `script` (with `cti`,
/// the CallingExtensions instance, and `handlers`, its event handlers, in scope).
fn sdk_pages(headers: &'static str, script: &str) -> Vec<Page> {
    let read =
        |p: PathBuf| std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    vec![
        Page {
            path: "/sdk/main.js",
            headers: "",
            body: read(official_sdk()),
        },
        Page {
            path: "/app.js",
            headers: "",
            body: read(repo().join("e2e/apps/app.js")),
        },
        Page {
            path: "/umd.html",
            headers,
            body: read(repo().join("e2e/apps/umd.html")),
        },
        Page {
            path: "/custom.html",
            headers,
            body: format!(
                "<!doctype html><html><body><p id=\"status\">starting</p>\
                 <script src=\"/sdk/main.js\"></script><script>\
                 const handlers = {{ onReady: () => cti.initialized({{ isLoggedIn: true }}) }};\
                 {script}\n\
                 const cti = new window.default({{ debugMode: false, eventHandlers: handlers }});\
                 </script></body></html>"
            ),
        },
    ]
}

struct Outcome {
    code: i32,
    stdout: String,
    junit: String,
    seconds: f64,
}

fn check(app_url: &str, extra: &[&str], scenarios: &[&str]) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("report.xml");
    let mut command = Command::new(env!("CARGO_BIN_EXE_callhost"));
    command
        .args(["check", "--app-url", app_url])
        .args(if extra.contains(&"--timeout") {
            &[][..]
        } else {
            &["--timeout", "8"][..]
        })
        .arg("--junit")
        .arg(&junit)
        .args(extra);
    for (i, scenario) in scenarios.iter().enumerate() {
        let path = dir.path().join(format!("scenario-{i}.json"));
        std::fs::write(&path, scenario).unwrap();
        command.arg("--scenario").arg(path);
    }
    let began = Instant::now();
    let output = command.stdin(Stdio::null()).output().unwrap();
    let outcome = Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        junit: std::fs::read_to_string(&junit).unwrap_or_default(),
        seconds: began.elapsed().as_secs_f64(),
    };
    eprintln!(
        "{}\n{}",
        outcome.stdout,
        String::from_utf8_lossy(&output.stderr)
    );
    outcome
}

/// The failure message JUnit gives the test case `name`.
fn failure(junit: &str, name: &str) -> String {
    let at = junit
        .find(&format!("<testcase name=\"{name}\""))
        .unwrap_or_else(|| panic!("no test case {name:?} in {junit}"));
    let case = &junit[at..];
    let case = &case[..case.find("</testcase>").unwrap_or(case.len())];
    let Some(start) = case.find("<failure message=\"") else {
        panic!("{name:?} did not fail: {case}")
    };
    let rest = &case[start + "<failure message=\"".len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// A `callhost serve` with the demo app on its second origin.
struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve_demo() -> (Serve, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_callhost"))
        .args([
            "serve",
            "--ephemeral",
            "--listen",
            "127.0.0.1:0",
            "--demo-listen",
            "127.0.0.1:0",
        ])
        .env("CALLHOST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ready: serde_json::Value =
        serde_json::from_str(line.trim().strip_prefix("callhost ready ").unwrap()).unwrap();
    let demo = ready["demoAppUrl"].as_str().unwrap().to_owned();
    (Serve(child), format!("{demo}/"))
}

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
