//! What the `check` tests share: a loopback server for test apps (the official SDK, e2e's
//! app on it, and pages written in the test), a `callhost serve` with the demo app, running
//! `callhost check` and reading its JUnit report.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

pub const CHROMIUM: &str = "/usr/bin/chromium";

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Whether the browser tests can run here; panics under CI when they cannot.
pub fn browser_available(what: &str) -> bool {
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

pub fn official_sdk() -> PathBuf {
    repo().join("e2e/node_modules/@hubspot/calling-extensions-sdk/dist/main.js")
}

/// A page the test app server answers with.
pub struct Page {
    pub path: &'static str,
    pub headers: &'static str,
    pub body: String,
}

/// Serves `pages` on a loopback port until the test process ends; answers 404 otherwise.
pub fn serve(pages: Vec<Page>) -> String {
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
pub fn sdk_pages(headers: &'static str, script: &str) -> Vec<Page> {
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

pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub junit: String,
    pub seconds: f64,
}

pub fn check(app_url: &str, extra: &[&str], scenarios: &[&str]) -> Outcome {
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
pub fn failure(junit: &str, name: &str) -> String {
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
pub struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn serve_demo() -> (Serve, String) {
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
