//! The built-in conformance suite (docs/testing-in-ci.md#the-built-in-suite): each check is
//! one test case, read from the transcript the host recorded and the engine's findings.
//!
//! Invariant: a check never parses an app message itself beyond reading the recorded
//! entry's fields; what is valid is the engine's word (its findings).

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::report::{Case, Outcome, Report};
use super::transcript::{self, is_app};
use super::Run;

/// The largest widget size a RESIZE_WIDGET may ask for, in pixels (a screen's worth).
pub const MAX_WIDGET_PX: f64 = 4096.0;

/// The checks after the page load, in the order they run.
pub const CHECKS: [&str; 6] = [
    "SYNC_ACK then INITIALIZED with a valid payload",
    "login state reported",
    "DIAL_NUMBER accepted once logged in",
    "no finding of error severity",
    "RESIZE_WIDGET within bounds",
    "no uncaught errors in the console",
];

fn case(name: &str, began: Instant, outcome: Outcome, notes: Vec<String>) -> Case {
    Case {
        suite: "conformance",
        name: name.to_owned(),
        outcome,
        time: began.elapsed(),
        notes,
    }
}

/// The checks that follow the page load, run once it loaded.
pub async fn run_checks(run: &mut Run, report: &mut Report) -> anyhow::Result<()> {
    let began = Instant::now();
    let handshake = handshake(run).await?;
    let initialized = handshake.as_ref().ok().copied();
    report.add(case(
        CHECKS[0],
        began,
        handshake
            .map(|_| Outcome::Passed)
            .unwrap_or_else(Outcome::Failed),
        vec![],
    ));

    let began = Instant::now();
    let (login, notes, logged_in) = match initialized {
        None => (
            Outcome::Skipped("not run: the app did not initialize".into()),
            vec![],
            false,
        ),
        Some(_) => login_state(run).await?,
    };
    report.add(case(CHECKS[1], began, login, notes));

    let began = Instant::now();
    let dial = if initialized.is_none() {
        Outcome::Skipped("not run: the app did not initialize".into())
    } else {
        dial(run, logged_in).await?
    };
    report.add(case(CHECKS[2], began, dial, vec![]));

    let began = Instant::now();
    run.log.refresh(&run.host, Duration::ZERO).await?;
    let errors: Vec<String> = run
        .log
        .entries
        .iter()
        .flat_map(transcript::errors)
        .collect();
    let warnings: Vec<String> = run
        .log
        .entries
        .iter()
        .flat_map(transcript::warnings)
        .collect();
    let outcome = if errors.is_empty() {
        Outcome::Passed
    } else {
        Outcome::Failed(format!(
            "expected no finding of error severity; got {}",
            errors.join("; ")
        ))
    };
    let notes = warnings.iter().map(|w| format!("warning: {w}")).collect();
    report.add(case(CHECKS[3], began, outcome, notes));

    let began = Instant::now();
    report.add(case(CHECKS[4], began, resize(run), vec![]));

    let began = Instant::now();
    let console = run.browser.console_errors();
    let outcome = if console.is_empty() || !run.strict {
        Outcome::Passed
    } else {
        Outcome::Failed(format!(
            "expected no uncaught errors (--strict); got {}",
            console.len()
        ))
    };
    report.add(case(CHECKS[5], began, outcome, console));
    Ok(())
}

/// SYNC_ACK, then INITIALIZED without error findings: the INITIALIZED entry's index.
async fn handshake(run: &mut Run) -> anyhow::Result<Result<usize, String>> {
    let within = run.timeout;
    let Some(ack) = run
        .log
        .wait_for(&run.host, 0, within, |e| is_app(e, "SYNC_ACK"))
        .await?
    else {
        return Ok(Err(format!(
            "expected SYNC_ACK in answer to the host's SYNC within {} ms; none came ({})",
            within.as_millis(),
            seen(run)
        )));
    };
    let Some(init) = run
        .log
        .wait_for(&run.host, ack, within, |e| is_app(e, "INITIALIZED"))
        .await?
    else {
        return Ok(Err(format!(
            "expected INITIALIZED after SYNC_ACK within {} ms; none came ({})",
            within.as_millis(),
            seen(run)
        )));
    };
    let entry = &run.log.entries[init];
    let errors = transcript::errors(entry);
    if !errors.is_empty() {
        return Ok(Err(format!(
            "expected a valid INITIALIZED payload; got {} with {}",
            entry["data"],
            errors.join("; ")
        )));
    }
    if !entry["data"]["isLoggedIn"].is_boolean() {
        return Ok(Err(format!(
            "expected INITIALIZED's data.isLoggedIn to be true or false; got {}",
            entry["data"]
        )));
    }
    if let Some(problem) = out_of_bounds(&entry["data"]["sizeInfo"], entry) {
        return Ok(Err(format!(
            "expected INITIALIZED's sizeInfo within 1 to {MAX_WIDGET_PX} px; {problem}"
        )));
    }
    Ok(Ok(init))
}

/// A numeric width or height outside 1 to [`MAX_WIDGET_PX`], described.
fn out_of_bounds(size: &Value, entry: &Value) -> Option<String> {
    ["width", "height"].into_iter().find_map(|name| {
        let px = size[name].as_f64()?;
        (!(1.0..=MAX_WIDGET_PX).contains(&px)).then(|| {
            format!(
                "{name} {px} (seq {}) is outside 1 to {MAX_WIDGET_PX} px",
                entry["seq"]
            )
        })
    })
}

fn seen(run: &Run) -> String {
    let types: Vec<&str> = run
        .log
        .entries
        .iter()
        .filter(|e| e["direction"] == "app-to-host")
        .filter_map(|e| e["type"].as_str())
        .collect();
    if types.is_empty() {
        "the app sent nothing".into()
    } else {
        format!("the app sent {}", types.join(", "))
    }
}

/// Whether the host knows the user's login state; `Some(true)` when logged in.
async fn login_state(run: &mut Run) -> anyhow::Result<(Outcome, Vec<String>, bool)> {
    run.log.refresh(&run.host, Duration::ZERO).await?;
    let session = run.host.widget_session(Duration::ZERO).await?;
    let state = session
        .map(|s| s["state"]["loggedIn"].clone())
        .unwrap_or(Value::Null);
    Ok(match state {
        Value::Bool(logged_in) => {
            let note = format!(
                "the app reports the user logged {}",
                if logged_in { "in" } else { "out" }
            );
            (Outcome::Passed, vec![note], logged_in)
        }
        other => (
            Outcome::Failed(format!(
                "expected the host to know whether the user is logged in; it has {other}"
            )),
            vec![],
            false,
        ),
    })
}

/// Dials the record's number; a call the app starts is ended again.
async fn dial(run: &mut Run, logged_in: bool) -> anyhow::Result<Outcome> {
    if !logged_in {
        return Ok(Outcome::Skipped(
            "not run: the app is logged out; log in and dial in a scenario".into(),
        ));
    }
    let from = run.log.entries.len();
    let path = format!("/sessions/{}/actions", run.log.session);
    let body = json!({"action": "dial", "objectTypeId": "0-1", "objectId": run.host.contact_id});
    if let Err((status, message)) = run
        .host
        .automation(reqwest::Method::POST, &path, Some(&body))
        .await?
    {
        return Ok(Outcome::Failed(format!(
            "expected the host to dial the record; it answered {status}: {message}"
        )));
    }
    let error = run
        .log
        .wait_for(&run.host, from, Duration::from_millis(1000), |e| {
            is_app(e, "ERROR") || is_app(e, "OUTGOING_CALL_STARTED")
        })
        .await?;
    if let Some(i) = error {
        let entry = &run.log.entries[i];
        if entry["type"] == "ERROR" {
            return Ok(Outcome::Failed(format!(
                "expected the app to accept DIAL_NUMBER; it answered ERROR {}",
                entry["data"]
            )));
        }
        // The app started the call: let it settle, then hang up so the scenarios start idle.
        run.log
            .wait_for(&run.host, i, Duration::from_millis(2000), |e| {
                e["direction"] == "host-to-app"
                    && e["type"]
                        .as_str()
                        .is_some_and(|t| t.starts_with("CREATE_ENGAGEMENT"))
            })
            .await?;
        let _ = run
            .host
            .automation(
                reqwest::Method::POST,
                &path,
                Some(&json!({"action": "end-call"})),
            )
            .await?;
    }
    Ok(Outcome::Passed)
}

fn resize(run: &Run) -> Outcome {
    let mut problems = Vec::new();
    for entry in run
        .log
        .entries
        .iter()
        .filter(|e| is_app(e, "RESIZE_WIDGET"))
    {
        problems.extend(transcript::errors(entry));
        problems.extend(out_of_bounds(&entry["data"], entry));
    }
    if problems.is_empty() {
        Outcome::Passed
    } else {
        Outcome::Failed(format!(
            "expected RESIZE_WIDGET sizes within 1 to {MAX_WIDGET_PX} px; got {}",
            problems.join("; ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_outside_the_bounds_are_described() {
        let entry = json!({"seq": 4});
        assert_eq!(
            out_of_bounds(&json!({"width": 400, "height": 600}), &entry),
            None
        );
        assert_eq!(out_of_bounds(&json!({"width": "50%"}), &entry), None);
        assert_eq!(
            out_of_bounds(&json!({"width": 400, "height": 0}), &entry),
            Some("height 0 (seq 4) is outside 1 to 4096 px".into())
        );
        assert!(out_of_bounds(&json!({"width": 90000}), &entry).is_some());
    }
}
