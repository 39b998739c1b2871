//! The call path with two instances on one PostgreSQL database (`bench/two_instances.sh`; not
//! a test). Every call is reported by two widget sessions at once, over the real host socket:
//! OUTGOING_CALL_STARTED to CREATE_ENGAGEMENT_SUCCEEDED, timed per report. The baseline, in the
//! same run and on the same database, sends the same two reports to one instance; a second
//! baseline has one session report each call alone. The inbound-call API is measured the same
//! way. Prints p50, p99 and the mean of each.
//!
//!     cargo run -p callhost --example two_instances -- DATABASE_URL [CALLHOST_BINARY] [CALLS]
//!
//! `DATABASE_URL` is a server where a database can be created (one is made for the run and
//! dropped after).

#[path = "../tests/support/instances.rs"]
mod instances;

use std::path::PathBuf;
use std::time::Duration;

use instances::{calls_with, report_inbound, App, Database, Instance, Starting, Widget};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let admin_url = args
        .next()
        .expect("usage: two_instances DATABASE_URL [CALLHOST_BINARY] [CALLS]");
    let binary = args
        .next()
        .map_or_else(|| PathBuf::from("target/release/callhost"), PathBuf::from);
    let calls: usize = args.next().map_or(200, |n| n.parse().expect("CALLS"));
    let database = Database::create(&admin_url).await;
    let data_dir = tempfile::tempdir().unwrap();
    let a = Starting::spawn(Some(&binary), &database.url, data_dir.path(), true).ready();
    let b = Starting::spawn(Some(&binary), &database.url, data_dir.path(), false).ready();
    let http = reqwest::Client::new();
    let app = App::demo(&http, &a).await;
    println!(
        "{} ({}), {calls} calls per case, two instances on one PostgreSQL database",
        binary.display(),
        std::env::consts::ARCH
    );

    // Warm both instances' pools and caches.
    widgets(&a, &b, &app, "warm", 20, false).await;
    let alone = widgets(&a, &a, &app, "alone", calls, true).await;
    let one = widgets(&a, &a, &app, "one", calls, false).await;
    let two = widgets(&a, &b, &app, "two", calls, false).await;
    print("widget, one session per call, one instance", &alone);
    print("widget, two sessions per call, one instance", &one);
    print("widget, two sessions per call, two instances", &two);

    let one = rest(&http, &a, &a, "rest-one", calls).await;
    let two = rest(&http, &a, &b, "rest-two", calls).await;
    print("inbound-call, two requests per call, one instance", &one);
    print("inbound-call, two requests per call, two instances", &two);

    for case in ["one", "two", "rest-one", "rest-two"] {
        let external = format!("{case}-{}", calls - 1);
        assert_eq!(calls_with(&http, &a, &external).await, 1, "{external}");
    }
    a.stop();
    b.stop();
    database.drop_now().await;
}

/// Reports `calls` calls from a session on `first` and one on `second` at once (from the first
/// only when `alone`); every report-to-reply time.
async fn widgets(
    first: &Instance,
    second: &Instance,
    app: &App,
    case: &str,
    calls: usize,
    alone: bool,
) -> Vec<Duration> {
    let (mut x, mut y) = tokio::join!(Widget::open(first, app), Widget::open(second, app));
    let mut times = Vec::with_capacity(calls * 2);
    for n in 0..calls {
        let external = format!("{case}-{n}");
        if alone {
            times.push(x.report(&external).await.1);
            x.finish(&external).await;
            continue;
        }
        let (from_x, from_y) = tokio::join!(x.report(&external), y.report(&external));
        assert_eq!(from_x.0, from_y.0, "{external}: one call");
        times.extend([from_x.1, from_y.1]);
        tokio::join!(x.finish(&external), y.finish(&external));
    }
    tokio::join!(x.close(), y.close());
    times
}

/// The same through the inbound-call API: one request to each of `first` and `second` at once.
async fn rest(
    http: &reqwest::Client,
    first: &Instance,
    second: &Instance,
    case: &str,
    calls: usize,
) -> Vec<Duration> {
    let mut times = Vec::with_capacity(calls * 2);
    for n in 0..calls {
        let external = format!("{case}-{n}");
        let (x, y) = tokio::join!(
            report_inbound(http, first, &external),
            report_inbound(http, second, &external)
        );
        assert_eq!(x.0, y.0, "{external}: one call");
        times.extend([x.1, y.1]);
    }
    times
}

fn print(label: &str, times: &[Duration]) {
    let mut ms: Vec<f64> = times.iter().map(|t| t.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() as f64 * q).ceil() as usize).clamp(1, ms.len()) - 1];
    let mean = ms.iter().sum::<f64>() / ms.len() as f64;
    println!(
        "{label:<52} n={:<5} p50 {:>7.2} ms  p99 {:>7.2} ms  mean {:>7.2} ms",
        ms.len(),
        at(0.50),
        at(0.99),
        mean
    );
}
