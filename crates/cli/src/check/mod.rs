//! `callhost check`: the conformance runner for calling apps
//! (docs/testing-in-ci.md#callhost-check). It starts an ephemeral callhost in-process, opens a
//! record with the app in the widget in headless Chromium, runs the built-in suite and the
//! scenarios, and reports like a test runner.
//!
//! Invariants: everything it reports comes from the automation API's transcript, the engine's
//! findings and the REST API; exit 0 when every case passes, 1 when one fails, 2 on a usage or
//! setup error.

mod browser;
mod host;
mod prefetch;
mod report;
mod scenario;
mod suite;
mod transcript;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;

use report::{Case, Outcome, Report};
use scenario::Scenario;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The calling app's page, as the host loads it in the widget's iframe.
    #[arg(long, value_name = "URL", value_parser = parse_app_url)]
    app_url: url::Url,
    /// A scenario file (JSON: a name and steps); repeatable.
    #[arg(long = "scenario", value_name = "FILE")]
    scenarios: Vec<PathBuf>,
    /// Fill the host from this fixture (its demo app is the one checked).
    #[arg(long, value_name = "FILE")]
    fixture: Option<PathBuf>,
    /// Write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write the session's whole transcript here, as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// The Chromium (or Chrome) to run, instead of the first on PATH.
    #[arg(long, value_name = "PATH")]
    chromium: Option<PathBuf>,
    /// How long, in seconds, the page may take to load and each wait of the suite may last.
    #[arg(long, value_name = "S", default_value = "10", value_parser = parse_timeout)]
    timeout: Duration,
    /// Fail the run on uncaught errors in the app's console (listed otherwise).
    #[arg(long)]
    strict: bool,
}

fn parse_app_url(s: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(s).map_err(|e| format!("{s:?}: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("{s:?}: expected an http or https URL"));
    }
    Ok(url)
}

fn parse_timeout(s: &str) -> Result<Duration, String> {
    match s.parse::<f64>() {
        Ok(secs) if secs > 0.0 && secs <= 600.0 => Ok(Duration::from_secs_f64(secs)),
        _ => Err(format!("{s:?}: expected seconds above 0 and at most 600")),
    }
}

/// What a running check works with.
pub struct Run {
    host: host::Host,
    browser: browser::Browser,
    log: transcript::Log,
    app_origin: String,
    timeout: Duration,
    strict: bool,
}

/// Runs the check; the process's exit code.
pub async fn check(args: CheckArgs) -> i32 {
    match check_inner(args).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("callhost check: {error:#}");
            2
        }
    }
}

async fn check_inner(args: CheckArgs) -> anyhow::Result<i32> {
    let started = Instant::now();
    let mut scenarios: Vec<Scenario> = Vec::new();
    for path in &args.scenarios {
        match scenario::load(path) {
            Ok(s) => scenarios.push(s),
            Err(message) => {
                eprintln!("callhost check: {message}");
                return Ok(2);
            }
        }
    }
    let executable = match browser::find(args.chromium.as_deref()) {
        Ok(path) => path,
        Err(error) => {
            eprintln!("callhost check: {error}");
            return Ok(2);
        }
    };
    let app_url = args.app_url.to_string();
    let app_origin = args.app_url.origin().ascii_serialization();
    let host = host::Host::start(&app_url, args.fixture.as_deref()).await?;
    println!("callhost check: {app_url} in the host at {}", host.url);

    let mut report = Report::default();
    let began = Instant::now();
    let refusal = prefetch::refusal(&app_url, &host.url).await;
    let mut run = None;
    let load = match refusal {
        Some(reason) => Outcome::Failed(reason),
        None => {
            let browser = browser::Browser::launch(&executable).await?;
            browser.open(&host.deep_link()).await?;
            match host.widget_session(args.timeout).await? {
                None => {
                    browser.close().await;
                    Outcome::Failed(format!(
                        "expected the host page to open the app's widget within {} s; it did not",
                        args.timeout.as_secs_f64()
                    ))
                }
                Some(session) => {
                    let id = session["id"].as_str().unwrap_or_default().to_owned();
                    let r = Run {
                        host,
                        browser,
                        log: transcript::Log::new(id),
                        app_origin,
                        timeout: args.timeout,
                        strict: args.strict,
                    };
                    let outcome = match r.host.widget_loaded(args.timeout).await? {
                        true => Outcome::Passed,
                        false => Outcome::Failed(format!(
                            "expected the app's iframe to load within {} s; it did not",
                            args.timeout.as_secs_f64()
                        )),
                    };
                    run = Some(r);
                    outcome
                }
            }
        }
    };
    let loaded = load == Outcome::Passed;
    report.add(Case {
        suite: "conformance",
        name: "page loads in an iframe".into(),
        outcome: load,
        time: began.elapsed(),
        notes: vec![],
    });

    match run.as_mut().filter(|_| loaded) {
        Some(run) => {
            suite::run_checks(run, &mut report).await?;
            for s in &scenarios {
                let began = Instant::now();
                let mut notes = Vec::new();
                let outcome = match reopen(run).await {
                    Err(message) => Outcome::Failed(message),
                    Ok(()) => match scenario::run(run, s, &mut notes).await {
                        Ok(()) => Outcome::Passed,
                        Err(message) => Outcome::Failed(message),
                    },
                };
                report.add(Case {
                    suite: "scenario",
                    name: s.name.clone(),
                    outcome,
                    time: began.elapsed(),
                    notes,
                });
            }
        }
        None => {
            for name in suite::CHECKS {
                report.add(skipped("conformance", name));
            }
            for s in &scenarios {
                report.add(skipped("scenario", &s.name));
            }
        }
    }

    if let Some(run) = run.as_mut() {
        run.log.refresh(&run.host, Duration::ZERO).await?;
    }
    report.print_summary(started.elapsed());
    if let Some(path) = &args.junit {
        report::write(path, &report.junit(started.elapsed())?)?;
    }
    if let Some(path) = &args.json {
        let transcript = match &run {
            Some(run) => {
                serde_json::json!({"sessionId": run.log.session, "entries": run.log.entries})
            }
            None => serde_json::json!({"sessionId": null, "entries": []}),
        };
        report::write(path, &serde_json::to_string_pretty(&transcript)?)?;
    }
    if let Some(run) = run {
        run.browser.close().await;
    }
    Ok(if report.failed() { 1 } else { 0 })
}

fn skipped(suite: &'static str, name: &str) -> Case {
    Case {
        suite,
        name: name.to_owned(),
        outcome: Outcome::Skipped("not run: the app's page did not load".into()),
        time: Duration::ZERO,
        notes: vec![],
    }
}

/// Opens the record again so a scenario starts from a freshly loaded, initialized app.
async fn reopen(run: &mut Run) -> Result<(), String> {
    // A call the last case left live is hung up first, as a user would before moving on.
    let live = run.host.widget_session(Duration::ZERO).await.ok().flatten();
    if live.is_some_and(|s| s["call"]["live"] == true) {
        let path = format!("/sessions/{}/actions", run.log.session);
        let hang_up = serde_json::json!({"action": "end-call"});
        let _ = run
            .host
            .automation(reqwest::Method::POST, &path, Some(&hang_up))
            .await;
    }
    let from = run.log.entries.len();
    run.browser
        .open(&run.host.deep_link())
        .await
        .map_err(|e| format!("reopening the record: {e:#}"))?;
    let found = run
        .log
        .wait_for(&run.host, from, run.timeout, |e| {
            transcript::is_app(e, "INITIALIZED")
        })
        .await
        .map_err(|e| format!("{e:#}"))?;
    match found {
        Some(_) => Ok(()),
        None => Err(format!(
            "expected the app to initialize again after the record was reopened, within {} s; it did not",
            run.timeout.as_secs_f64()
        )),
    }
}
