//! Property tests: random sequences of inputs, sensible and garbage alike, never break the
//! engine's invariants (see `engine/session.rs`).

mod common;

use std::collections::{HashMap, HashSet};

use callhost_protocol::catalog;
use callhost_protocol::engine::*;
use common::*;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{json, Map, Value};

const KEYS: &[&str] = &[
    "externalCallId",
    "callId",
    "engagementId",
    "createEngagement",
    "fromNumber",
    "toNumber",
    "phoneNumber",
    "callStartTime",
    "hideWidget",
    "engagementProperties",
    "callEndStatus",
    "isLoggedIn",
    "isAvailable",
    "sizeInfo",
    "widgetSize",
    "width",
    "height",
    "iFrameUrl",
    "objectCoordinates",
    "objectId",
    "objectTypeId",
    "portalId",
    "openIn",
    "message",
    "type",
    "data",
    "hs_call_body",
    "hs_call_duration",
];

const WORDS: &[&str] = &[
    "c1",
    "c2",
    "c3",
    "+16175550100",
    "0-1",
    "0-2",
    "NEW_TAB",
    "REJECTED",
    "MISSED",
    "COMPLETED",
    "UNKNOWN_MESSAGE_TYPE",
    "https://app.example/x",
    "https://evil.example/",
    "http://localhost:1/",
    "7",
    "",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (0i64..10).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        prop::sample::select(WORDS).prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

fn message_type() -> impl Strategy<Value = Option<String>> {
    let types: Vec<String> = catalog().message_types().map(String::from).collect();
    prop_oneof![
        6 => prop::sample::select(types).prop_map(Some),
        1 => Just(Some("BOGUS".to_string())),
        1 => Just(None),
    ]
}

/// Messages an app plausibly sends: right types, small pools of ids, so calls collide,
/// engagements get created and completed, and the deep states are reached.
fn sensible_message() -> impl Strategy<Value = Value> {
    let mut types: Vec<String> = catalog().app_to_host.clone();
    types.extend(["SYNC_ACK", "ERROR", "SET_WIDGET_URL"].map(String::from));
    let ids = prop::sample::select(&["c1", "c2", "c3"][..]);
    let statuses =
        prop::sample::select(&["COMPLETED", "REJECTED", "MISSED", "CANCELED", "BUSY"][..]);
    let fields = (
        prop::option::of(ids),
        prop::option::of(1i64..6),
        prop::option::of(any::<bool>()),
        prop::option::of(Just("+16175550100")),
        prop::option::of(statuses),
        prop::option::of(any::<bool>()),
        prop::option::of(prop_oneof![
            Just(json!({"hs_call_body": "notes", "hs_call_duration": 1000})),
            Just(json!({"bogus": [1]})),
        ]),
        prop::option::of((prop::sample::select(&[PORTAL, 1][..]), 1i64..4)),
        prop::option::of(prop::sample::select(WORDS)),
    );
    (prop::sample::select(types), fields).prop_map(|(t, f)| {
        let (id, engagement, flag, number, status, hide, properties, coordinates, word) = f;
        let mut d = Map::new();
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                d.insert(k.to_string(), v);
            }
        };
        put("externalCallId", id.map(Value::from));
        put("engagementId", engagement.map(Value::from));
        put("createEngagement", flag.map(Value::from));
        put("isLoggedIn", flag.map(Value::from));
        put("fromNumber", number.map(Value::from));
        put("toNumber", number.map(Value::from));
        put("callEndStatus", status.map(Value::from));
        put("hideWidget", hide.map(Value::from));
        put("engagementProperties", properties);
        put(
            "objectCoordinates",
            coordinates.map(|(p, o)| json!({"portalId": p, "objectId": o, "objectTypeId": "0-1"})),
        );
        put("iFrameUrl", word.map(Value::from));
        put("message", word.map(Value::from));
        if t == "SYNC_ACK" {
            let mut ack = sync_ack();
            if let Some(word) = word {
                ack["iFrameUrl"] = word.into();
            }
            return ack;
        }
        msg(&t, Value::Object(d))
    })
}

fn message() -> impl Strategy<Value = Value> {
    let data = prop::collection::vec((prop::sample::select(KEYS), value()), 0..7)
        .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()));
    let shaped = (
        message_type(),
        prop_oneof![8 => Just(Some(json!("1700000000000_1"))), 1 => Just(None), 1 => leaf().prop_map(Some)],
        prop_oneof![6 => data.prop_map(Some), 1 => Just(None), 1 => value().prop_map(Some)],
        prop::option::of(prop::sample::select(WORDS)),
    )
        .prop_map(|(t, id, data, url)| {
            let mut m = Map::new();
            if let Some(t) = t {
                m.insert("type".into(), t.into());
            }
            if let Some(id) = id {
                m.insert("messageId".into(), id);
            }
            if let Some(data) = data {
                m.insert("data".into(), data);
            }
            if let Some(url) = url {
                m.insert("iFrameUrl".into(), url.into());
            }
            Value::Object(m)
        });
    prop_oneof![12 => sensible_message(), 6 => shaped, 1 => value()]
}

fn result() -> impl Strategy<Value = OpResult> {
    prop_oneof![
        (1i64..6).prop_map(|engagement_id| OpResult::Call { engagement_id }),
        Just(OpResult::Matches { matches: vec![] }),
        Just(OpResult::Matches {
            matches: vec![CallerIdMatch {
                caller_id_type: "CONTACT".into(),
                object_type_id: "0-1".into(),
                object_id: 1,
                first_name: None,
                last_name: None,
                email: None,
                name: None,
            }]
        }),
        any::<bool>().prop_map(|exists| OpResult::Exists { exists }),
        Just(OpResult::Done),
        Just(OpResult::Failed {
            message: "no".into()
        }),
    ]
}

fn input() -> impl Strategy<Value = Input> {
    let origin = prop_oneof![4 => Just(APP.to_string()), 1 => prop::sample::select(WORDS).prop_map(String::from)];
    prop_oneof![
        1 => Just(Input::Page(PageInput::Loaded)),
        1 => Just(Input::Page(PageInput::SyncFailed)),
        12 => (message(), origin).prop_map(|(message, origin)| Input::Page(PageInput::App { message, origin })),
        1 => (message(), any::<bool>()).prop_map(|(message, o)| Input::Page(PageInput::Dropped {
            message,
            origin: "https://evil.example".into(),
            reason: if o { DropReason::Origin } else { DropReason::Source },
        })),
        2 => (0i64..4).prop_map(|n| {
            let mut d = dial();
            // One in four dials a number without a record (the automation API's dial).
            d.object_id = (n < 3).then(|| 501 + n);
            if n == 3 {
                d.object_type_id = None;
                d.property = None;
            }
            Input::Page(PageInput::Dial(d))
        }),
        2 => prop_oneof![
            Just(UserAction::Minimize),
            Just(UserAction::Restore),
            Just(UserAction::Close),
            Just(UserAction::EndCall),
            any::<bool>().prop_map(|active| UserAction::TaskQueue { active }),
        ]
        .prop_map(|x| Input::Page(PageInput::User(x))),
        5 => (1u64..16, result()).prop_map(|(op, result)| Input::Done { op, result }),
    ]
}

fn has_float(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.is_f64(),
        Value::Array(items) => items.iter().any(has_float),
        Value::Object(map) => map.values().any(has_float),
        _ => false,
    }
}

/// A prefix that gets the session talking, so random messages reach deep states.
fn prelude() -> Vec<Input> {
    vec![
        Input::Page(PageInput::Loaded),
        app(sync_ack()),
        app(msg("INITIALIZED", json!({"isLoggedIn": true}))),
    ]
}

/// The invariants of `engine/session.rs`, checked after every input.
#[derive(Default)]
struct Checker {
    ids: HashSet<String>,
    engagements: HashMap<String, i64>,
    creates: HashSet<String>,
}

impl Checker {
    fn handle(&mut self, s: &mut Session, input: Input) -> Result<Vec<Output>, TestCaseError> {
        let is_error = matches!(
            &input,
            Input::Page(PageInput::App { message, .. }) if message.get("type") == Some(&json!("ERROR"))
        );
        let out = s.handle(input);
        prop_assert!(matches!(out.first(), Some(Output::Log(_))));
        for o in &out {
            match o {
                Output::Post {
                    message,
                    target_origin,
                } => {
                    prop_assert!(!is_error, "answered ERROR: {}", message);
                    let id = message["messageId"].as_str().unwrap_or("");
                    prop_assert!(
                        id.chars().next().is_some_and(|c| !c.is_ascii_digit()),
                        "{}",
                        id
                    );
                    prop_assert!(self.ids.insert(id.to_string()), "reused id {}", id);
                    prop_assert_eq!(target_origin.as_str(), s.app_origin());
                    let t = message["type"].as_str().unwrap_or("");
                    prop_assert!(catalog().app_handles(t), "sent {}", t);
                }
                Output::Store {
                    request:
                        StoreRequest::CreateCall {
                            external_call_id, ..
                        },
                    ..
                } => {
                    prop_assert!(
                        self.creates.insert(external_call_id.clone()),
                        "second CreateCall for {}",
                        external_call_id
                    );
                }
                Output::Ui(UiCommand::CallState {
                    external_call_id,
                    engagement_id,
                    ..
                }) => {
                    if let Some(known) = self.engagements.get(external_call_id) {
                        prop_assert_eq!(Some(*known), *engagement_id);
                    }
                }
                _ => {}
            }
        }
        for call in s.calls() {
            match (
                self.engagements.get(&call.external_call_id),
                call.engagement_id,
            ) {
                (Some(known), now) => prop_assert_eq!(Some(*known), now),
                (None, Some(now)) => {
                    self.engagements.insert(call.external_call_id.clone(), now);
                }
                (None, None) => {}
            }
        }
        Ok(out)
    }
}

/// A store that answers every request at once, successfully unless `fail` says otherwise,
/// with engagement ids from a small pool so that wrong-engagement bugs would show.
fn answer(request: &StoreRequest, fail: bool, pick: i64) -> OpResult {
    if fail {
        return OpResult::Failed {
            message: "store says no".into(),
        };
    }
    match request {
        StoreRequest::CreateCall { .. } => OpResult::Call {
            engagement_id: 1 + pick % 3,
        },
        StoreRequest::CallerId { .. } => OpResult::Matches {
            matches: vec![CallerIdMatch {
                caller_id_type: "CONTACT".into(),
                object_type_id: "0-1".into(),
                object_id: pick,
                first_name: Some("A".into()),
                last_name: None,
                email: None,
                name: None,
            }],
        },
        StoreRequest::RecordExists { .. } => OpResult::Exists {
            exists: pick % 2 == 0,
        },
        StoreRequest::UpdateCall { .. } | StoreRequest::FinalizeCall { .. } => OpResult::Done,
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 400,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_inputs_never_break_the_invariants(
        warm in any::<bool>(),
        legacy in any::<bool>(),
        inputs in prop::collection::vec(input(), 0..60),
    ) {
        let mut cfg = config();
        cfg.legacy_engagement_created = legacy;
        cfg.allowed_origins = vec!["http://localhost:1".into()];
        let mut s = Session::new(cfg);
        let mut checker = Checker::default();
        let all: Vec<Input> = if warm { prelude().into_iter().chain(inputs).collect() } else { inputs };
        for input in all {
            checker.handle(&mut s, input)?;
        }
    }

    /// The same invariants when the store answers every request right away, so calls get
    /// their engagements and the completion paths run often.
    #[test]
    fn random_inputs_with_a_cooperative_store_never_break_the_invariants(
        steps in prop::collection::vec((input(), any::<bool>(), 0i64..7), 0..60),
    ) {
        let mut s = Session::new(config());
        let mut checker = Checker::default();
        for input in prelude() {
            checker.handle(&mut s, input)?;
        }
        for (input, fail, pick) in steps {
            let mut queue = vec![input];
            while let Some(input) = queue.pop() {
                let out = checker.handle(&mut s, input)?;
                for o in out {
                    if let Output::Store { op, request } = o {
                        let result = answer(&request, fail && pick == 0, pick);
                        queue.push(Input::Done { op, result });
                    }
                }
            }
        }
    }

    /// `ui:callChanged` comes exactly once for each successful write to a call object, with
    /// that object's engagement, and never otherwise (failed writes, reads, app messages).
    #[test]
    fn call_changed_comes_once_per_successful_call_write(
        steps in prop::collection::vec((input(), any::<bool>(), 0i64..7), 0..60),
    ) {
        let mut s = Session::new(config());
        let mut requests: HashMap<OpId, StoreRequest> = HashMap::new();
        for input in prelude() {
            s.handle(input);
        }
        for (input, fail, pick) in steps {
            let mut queue = vec![input];
            while let Some(input) = queue.pop() {
                let expected = match &input {
                    Input::Done { op, result } => match (requests.remove(op), result) {
                        (_, OpResult::Failed { .. }) | (None, _) => vec![],
                        (Some(StoreRequest::CreateCall { .. }), OpResult::Call { engagement_id }) => {
                            vec![*engagement_id]
                        }
                        (
                            Some(
                                StoreRequest::UpdateCall { engagement_id, .. }
                                | StoreRequest::FinalizeCall { engagement_id, .. },
                            ),
                            OpResult::Done,
                        ) => vec![engagement_id],
                        (Some(_), _) => vec![],
                    },
                    _ => vec![],
                };
                let out = s.handle(input);
                let changed: Vec<i64> = out
                    .iter()
                    .filter_map(|o| match o {
                        Output::Ui(UiCommand::CallChanged { engagement_id, .. }) => Some(*engagement_id),
                        _ => None,
                    })
                    .collect();
                prop_assert_eq!(changed, expected);
                for o in out {
                    if let Output::Store { op, request } = o {
                        let result = answer(&request, fail && pick == 0, pick);
                        requests.insert(op, request);
                        queue.push(Input::Done { op, result });
                    }
                }
            }
        }
    }

    /// The WebSocket protocol round-trips: whatever the engine emits parses back as the same
    /// kind of output (app floats may lose their last digit in JSON, so not always equal).
    #[test]
    fn outputs_round_trip_as_json(inputs in prop::collection::vec(input(), 0..30)) {
        let mut s = Session::new(config());
        for input in prelude().into_iter().chain(inputs) {
            // A page's input crosses the WebSocket as JSON; a store result never does.
            let back = match input {
                Input::Page(page) => {
                    let text = serde_json::to_string(&page).unwrap();
                    Input::Page(serde_json::from_str::<PageInput>(&text).unwrap())
                }
                done @ Input::Done { .. } => done,
            };
            for o in s.handle(back) {
                let text = serde_json::to_string(&o).unwrap();
                let back: Output = serde_json::from_str(&text).unwrap();
                prop_assert_eq!(std::mem::discriminant(&back), std::mem::discriminant(&o));
                if !has_float(&serde_json::to_value(&o).unwrap()) {
                    prop_assert_eq!(back, o);
                }
            }
        }
    }
}
