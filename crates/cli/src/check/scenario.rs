//! Scenario files (docs/testing-in-ci.md#scenarios): parsing them into steps, with errors
//! that name the file, the step and the field, and running a scenario's steps in order as
//! one test case.
//!
//! Invariant: host actions and faults go through the automation API, app actions through the
//! browser inside the app's iframe, and expectations read the transcript and the REST API.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use super::transcript::{self, contains};
use super::Run;

/// The host actions a scenario may take (docs/automation.md#actions).
const HOST_ACTIONS: &[&str] = &["dial", "end-call", "visibility", "answer", "decline"];
const DEFAULT_WITHIN_MS: u64 = 5000;

#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// An automation API action body (`{"action": ..., ...}`).
    Host(Value),
    Click {
        selector: String,
    },
    Fill {
        selector: String,
        value: String,
    },
    WaitFor {
        text: String,
        within: Duration,
    },
    Expect {
        kind: String,
        within: Duration,
        data: Option<Value>,
    },
    ExpectCall {
        properties: Map<String, Value>,
        within: Duration,
    },
    ExpectNoFindings,
    /// An automation API fault rule.
    Fault(Value),
}

/// Reads and checks a scenario file; the error names the file, the step and the field.
pub fn load(path: &Path) -> Result<Scenario, String> {
    let file = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{file}: cannot read: {e}"))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| format!("{file}: not JSON: {e}"))?;
    parse(&value).map_err(|e| format!("{file}: {e}"))
}

pub fn parse(value: &Value) -> Result<Scenario, String> {
    let Some(object) = value.as_object() else {
        return Err("expected an object with `name` and `steps`".into());
    };
    if let Some(key) = object
        .keys()
        .find(|k| !["name", "steps"].contains(&k.as_str()))
    {
        return Err(format!("unknown field `{key}` (expected name, steps)"));
    }
    let name = object
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
        .ok_or("`name`: expected a non-empty string")?
        .to_owned();
    let steps = object
        .get("steps")
        .and_then(Value::as_array)
        .ok_or("`steps`: expected a list of steps")?;
    let steps = steps
        .iter()
        .enumerate()
        .map(|(i, step)| parse_step(step).map_err(|e| format!("steps[{i}]{e}")))
        .collect::<Result<_, _>>()?;
    Ok(Scenario { name, steps })
}

fn parse_step(step: &Value) -> Result<Step, String> {
    let Some(object) = step.as_object() else {
        return Err(": expected an object".into());
    };
    let string = |field: &str| -> Result<String, String> {
        object
            .get(field)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or(format!(".{field}: expected a string"))
    };
    let within = || -> Result<Duration, String> {
        match object.get("within") {
            None => Ok(Duration::from_millis(DEFAULT_WITHIN_MS)),
            Some(v) => v
                .as_u64()
                .filter(|ms| (1..=600_000).contains(ms))
                .map(Duration::from_millis)
                .ok_or(".within: expected milliseconds from 1 to 600000".into()),
        }
    };
    if let Some(action) = object.get("host") {
        let action = action
            .as_str()
            .filter(|a| HOST_ACTIONS.contains(a))
            .ok_or(format!(
                ".host: expected one of {}",
                HOST_ACTIONS.join(", ")
            ))?;
        let mut body = object.clone();
        body.remove("host");
        body.insert("action".into(), action.into());
        return Ok(Step::Host(Value::Object(body)));
    }
    if let Some(action) = object.get("app") {
        return match action.as_str() {
            Some("click") => Ok(Step::Click {
                selector: string("selector")?,
            }),
            Some("fill") => Ok(Step::Fill {
                selector: string("selector")?,
                value: string("value")?,
            }),
            Some("waitFor") => Ok(Step::WaitFor {
                text: string("text")?,
                within: within()?,
            }),
            _ => Err(".app: expected click, fill or waitFor".into()),
        };
    }
    if let Some(kind) = object.get("expect") {
        let kind = kind
            .as_str()
            .filter(|k| !k.is_empty())
            .ok_or(".expect: expected a message type")?;
        let data = match object.get("data") {
            None => None,
            Some(d @ Value::Object(_)) => Some(d.clone()),
            Some(_) => return Err(".data: expected an object".into()),
        };
        return Ok(Step::Expect {
            kind: kind.to_owned(),
            within: within()?,
            data,
        });
    }
    if let Some(properties) = object.get("expectCall") {
        let properties = properties
            .as_object()
            .filter(|p| !p.is_empty())
            .ok_or(".expectCall: expected an object of call properties")?;
        return Ok(Step::ExpectCall {
            properties: properties.clone(),
            within: within()?,
        });
    }
    if let Some(flag) = object.get("expectNoFindings") {
        return match flag {
            Value::Bool(true) => Ok(Step::ExpectNoFindings),
            _ => Err(".expectNoFindings: expected true".into()),
        };
    }
    if let Some(fault) = object.get("fault") {
        return match fault {
            Value::Object(_) => Ok(Step::Fault(fault.clone())),
            _ => Err(".fault: expected a fault rule object".into()),
        };
    }
    Err(": unknown step (expected a field host, app, expect, expectCall, expectNoFindings or fault)".into())
}

impl Step {
    /// A short description for the report.
    fn describe(&self) -> String {
        match self {
            Step::Host(body) => format!("host {}", body["action"].as_str().unwrap_or("?")),
            Step::Click { selector } => format!("click {selector}"),
            Step::Fill { selector, .. } => format!("fill {selector}"),
            Step::WaitFor { text, .. } => format!("waitFor {text:?}"),
            Step::Expect { kind, .. } => format!("expect {kind}"),
            Step::ExpectCall { .. } => "expectCall".into(),
            Step::ExpectNoFindings => "expectNoFindings".into(),
            Step::Fault(_) => "fault".into(),
        }
    }
}

/// Runs the steps in order; stops at the first that fails. `notes` gets each step's outcome.
pub async fn run(
    run: &mut Run,
    scenario: &Scenario,
    notes: &mut Vec<String>,
) -> Result<(), String> {
    let start = run.log.entries.len();
    let mut matched: Vec<usize> = Vec::new();
    let mut result = Ok(());
    for (i, step) in scenario.steps.iter().enumerate() {
        let began = Instant::now();
        let outcome = run_step(run, step, start, &mut matched).await;
        let ms = began.elapsed().as_millis();
        match outcome {
            Ok(()) => notes.push(format!("step {i} ({}): ok, {ms} ms", step.describe())),
            Err(message) => {
                let message = format!("step {i} ({}): {message}", step.describe());
                notes.push(message.clone());
                result = Err(message);
                break;
            }
        }
    }
    remove_faults(run).await;
    result
}

/// A scenario's fault rules end with it, so the next scenario starts on a sound host.
async fn remove_faults(run: &Run) {
    let Ok(Ok(rules)) = run
        .host
        .automation(reqwest::Method::GET, "/faults", None)
        .await
    else {
        return;
    };
    for rule in rules["results"].as_array().into_iter().flatten() {
        if let Some(id) = rule["id"]
            .as_str()
            .map(str::to_owned)
            .or_else(|| rule["id"].as_i64().map(|i| i.to_string()))
        {
            let _ = run
                .host
                .automation(reqwest::Method::DELETE, &format!("/faults/{id}"), None)
                .await;
        }
    }
}

async fn run_step(
    run: &mut Run,
    step: &Step,
    start: usize,
    matched: &mut Vec<usize>,
) -> Result<(), String> {
    let e = |e: anyhow::Error| format!("{e:#}");
    match step {
        Step::Host(body) => {
            let path = format!("/sessions/{}/actions", run.log.session);
            match run
                .host
                .automation(reqwest::Method::POST, &path, Some(body))
                .await
                .map_err(e)?
            {
                Ok(_) => Ok(()),
                Err((status, message)) => Err(format!(
                    "expected the host to accept the action; it answered {status}: {message}"
                )),
            }
        }
        Step::Fault(rule) => {
            match run
                .host
                .automation(reqwest::Method::POST, "/faults", Some(rule))
                .await
                .map_err(e)?
            {
                Ok(_) => Ok(()),
                Err((status, message)) => {
                    Err(format!("the fault rule was refused ({status}): {message}"))
                }
            }
        }
        Step::Click { selector } => run
            .browser
            .click(&run.app_origin, selector)
            .await
            .map_err(e),
        Step::Fill { selector, value } => run
            .browser
            .fill(&run.app_origin, selector, value)
            .await
            .map_err(e),
        Step::WaitFor { text, within } => run
            .browser
            .wait_for_text(&run.app_origin, text, *within)
            .await
            .map_err(e),
        Step::Expect { kind, within, data } => {
            let taken = matched.clone();
            let found = run
                .log
                .wait_for(&run.host, start, *within, |entry| {
                    entry["type"] == kind.as_str()
                        && data.as_ref().is_none_or(|d| contains(&entry["data"], d))
                })
                .await
                .map_err(e)?;
            // An entry matched by an earlier expectation is not matched twice.
            let found = match found {
                Some(i) if taken.contains(&i) => {
                    let later = (i + 1..run.log.entries.len()).find(|j| {
                        !taken.contains(j)
                            && run.log.entries[*j]["type"] == kind.as_str()
                            && data
                                .as_ref()
                                .is_none_or(|d| contains(&run.log.entries[*j]["data"], d))
                    });
                    later
                }
                other => other,
            };
            match found {
                Some(i) => {
                    matched.push(i);
                    Ok(())
                }
                None => {
                    let same: Vec<String> = run.log.entries[start..]
                        .iter()
                        .filter(|en| en["type"] == kind.as_str())
                        .map(|en| en["data"].to_string())
                        .collect();
                    let instead = if same.is_empty() {
                        let seen: Vec<&str> = run.log.entries[start..]
                            .iter()
                            .filter(|en| en["direction"] != "host")
                            .filter_map(|en| en["type"].as_str())
                            .collect();
                        format!("none came; seen: {}", seen.join(", "))
                    } else {
                        format!("it came with data {}", same.join(" and "))
                    };
                    let with = data
                        .as_ref()
                        .map(|d| format!(" with data {d}"))
                        .unwrap_or_default();
                    Err(format!(
                        "expected {kind}{with} within {} ms; {instead}",
                        within.as_millis()
                    ))
                }
            }
        }
        Step::ExpectNoFindings => {
            run.log
                .refresh(&run.host, Duration::ZERO)
                .await
                .map_err(e)?;
            let errors: Vec<String> = run.log.entries[start..]
                .iter()
                .flat_map(transcript::errors)
                .collect();
            if errors.is_empty() {
                Ok(())
            } else {
                Err(format!("expected no findings; got {}", errors.join("; ")))
            }
        }
        Step::ExpectCall { properties, within } => expect_call(run, properties, *within).await,
    }
}

/// Polls the session's call through the REST API until its properties match.
async fn expect_call(
    run: &mut Run,
    properties: &Map<String, Value>,
    within: Duration,
) -> Result<(), String> {
    let deadline = Instant::now() + within;
    let names: Vec<&str> = properties.keys().map(String::as_str).collect();
    let mut last = String::from("the session has no call");
    loop {
        let session = run
            .host
            .widget_session(Duration::ZERO)
            .await
            .map_err(|e| format!("{e:#}"))?;
        let engagement = session
            .as_ref()
            .and_then(|s| s["call"]["engagementId"].as_i64());
        if let Some(id) = engagement {
            let path = format!("/crm/v3/objects/calls/{id}?properties={}", names.join(","));
            match run.host.rest(reqwest::Method::GET, &path).await {
                Ok(call) => {
                    let got = &call["properties"];
                    let differs: Vec<String> = properties
                        .iter()
                        .filter(|(k, v)| !same_property(&got[k.as_str()], v))
                        .map(|(k, v)| format!("{k} {v} but it is {}", got[k.as_str()]))
                        .collect();
                    if differs.is_empty() {
                        return Ok(());
                    }
                    last = format!("call {id} has {}", json!(got));
                    if Instant::now() >= deadline {
                        return Err(format!("expected {}", differs.join(", ")));
                    }
                }
                Err(error) => last = format!("{error:#}"),
            }
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "expected the session's call to have {}; {last}",
                Value::Object(properties.clone())
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// CRM properties are strings; a scenario may write numbers and booleans bare.
fn same_property(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::String(g), Value::String(w)) => g == w,
        (Value::String(g), Value::Number(_) | Value::Bool(_)) => {
            g.as_str() == want.to_string().as_str()
        }
        _ => got == want,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_kind_parses() {
        let scenario = parse(&json!({"name": "calls", "steps": [
            {"host": "dial", "phoneNumber": "+16175550123"},
            {"app": "click", "selector": "#login"},
            {"app": "fill", "selector": "#notes", "value": "hi"},
            {"app": "waitFor", "text": "Connected", "within": 2000},
            {"expect": "OUTGOING_CALL_STARTED", "within": 5000, "data": {"toNumber": "+1"}},
            {"expectCall": {"hs_call_status": "COMPLETED"}},
            {"expectNoFindings": true},
            {"fault": {"match": {}, "effect": {"kind": "drop"}}}
        ]}))
        .unwrap();
        assert_eq!(scenario.steps.len(), 8);
        assert_eq!(
            scenario.steps[0],
            Step::Host(json!({"action": "dial", "phoneNumber": "+16175550123"}))
        );
    }

    #[test]
    fn errors_name_the_step_and_the_field() {
        let error = |steps: Value| parse(&json!({"name": "x", "steps": steps})).unwrap_err();
        assert_eq!(
            error(json!([{"app": "click"}])),
            "steps[0].selector: expected a string"
        );
        assert!(error(json!([{}, {"jump": 1}])).starts_with("steps[0]: unknown step"));
        assert!(error(json!([{"host": "fly"}])).starts_with("steps[0].host: expected one of"));
        assert_eq!(
            error(json!([{"expect": "X", "within": -1}])),
            "steps[0].within: expected milliseconds from 1 to 600000"
        );
        assert_eq!(
            parse(&json!({"steps": []})).unwrap_err(),
            "`name`: expected a non-empty string"
        );
    }
}
