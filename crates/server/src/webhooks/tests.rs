//! The webhook client against real servers on loopback: signatures, limits, redirects and
//! each failure it reports.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{any, post};
use axum::Router;
use reqwest::Method;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use super::*;

const SECRET: &str = "11111111-2222-3333-4444-555555555555";

async fn serve(router: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

fn post_to(url: &str) -> WebhookRequest<'_> {
    WebhookRequest {
        method: Method::POST,
        url,
        body: Some(br#"{"appId":1,"portalId":2,"userId":3}"#.to_vec()),
        secret: SECRET,
    }
}

/// A server on loopback that accepts connections and never answers; its `/slow` URL.
async fn silent() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/slow", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket); // accepted, never answered
        }
    });
    url
}

fn client() -> WebhookClient {
    WebhookClient::new(true)
}

#[tokio::test]
async fn a_signed_post_gets_its_json_answer() {
    let seen = Arc::new(Mutex::new(None::<(HeaderMap, String)>));
    let kept = seen.clone();
    let base = serve(Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: String| async move {
            *kept.lock().unwrap() = Some((headers, body));
            axum::Json(serde_json::json!({"phoneNumbers": []}))
        }),
    ))
    .await;
    let url = format!("{base}/hook?x=1");
    let answer = client().json(post_to(&url)).await.unwrap();
    assert_eq!(answer, serde_json::json!({"phoneNumbers": []}));

    let (headers, body) = seen.lock().unwrap().take().unwrap();
    let header = |name: &str| headers.get(name).unwrap().to_str().unwrap().to_owned();
    let timestamp: i64 = header("x-hubspot-request-timestamp").parse().unwrap();
    assert!((chrono::Utc::now().timestamp_millis() - timestamp).abs() < 60_000);
    assert_eq!(
        header("x-hubspot-signature-v3"),
        signature::v3(SECRET, "POST", &url, body.as_bytes(), timestamp)
    );
    assert_eq!(
        header("x-hubspot-signature"),
        signature::v2(SECRET, "POST", &url, body.as_bytes())
    );
    assert_eq!(header("x-hubspot-signature-version"), "v2");
    assert_eq!(header("content-type"), "application/json");
}

#[tokio::test]
async fn loopback_is_refused_unless_allowed_and_nothing_is_sent() {
    let hits = Arc::new(Mutex::new(0));
    let counter = hits.clone();
    let base = serve(Router::new().route(
        "/hook",
        any(move || async move {
            *counter.lock().unwrap() += 1;
            "{}"
        }),
    ))
    .await;
    let url = format!("{base}/hook");
    let err = WebhookClient::new(false)
        .send(post_to(&url))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "REFUSED_ADDRESS");
    assert!(err.to_string().contains("loopback"), "{err}");
    let localhost = url.replace("127.0.0.1", "localhost");
    let err = WebhookClient::new(false)
        .send(post_to(&localhost))
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        "REFUSED_ADDRESS",
        "names are checked by what they resolve to"
    );
    assert_eq!(*hits.lock().unwrap(), 0);
    WebhookClient::new(true).send(post_to(&url)).await.unwrap();
    assert_eq!(*hits.lock().unwrap(), 1);
}

#[tokio::test]
async fn a_webhook_that_never_answers_times_out() {
    let url = silent().await;
    let started = std::time::Instant::now();
    let err = client()
        .with_timeout(Duration::from_millis(300))
        .send(post_to(&url))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "TIMEOUT");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(err.to_string().contains("300 ms"), "{err}");
}

#[tokio::test]
async fn the_configured_timeout_bounds_the_exchange_and_defaults_to_five_seconds() {
    assert_eq!(WebhookConfig::default().timeout, Duration::from_secs(5));
    assert!(!WebhookConfig::default().allow_private);
    assert_eq!(WebhookClient::new(true).timeout(), Duration::from_secs(5));

    let url = silent().await;
    let config = WebhookConfig {
        allow_private: true,
        timeout: Duration::from_millis(200),
    };
    let client = WebhookClient::configured(config);
    let err = client.send(post_to(&url)).await.unwrap_err();
    assert_eq!(err.code(), "TIMEOUT");
    assert!(err.to_string().contains("200 ms"), "{err}");
}

#[tokio::test]
async fn answers_past_the_size_limit_are_refused_with_or_without_a_length() {
    let base = serve(Router::new().route("/big", post(|| async { "x".repeat(2048) }))).await;
    let err = client()
        .with_max_body(1024)
        .send(post_to(&format!("{base}/big")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "RESPONSE_TOO_LARGE");

    // No Content-Length: the body is counted as it arrives.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/stream", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = tokio::io::AsyncReadExt::read(&mut socket, &mut request).await;
        socket
            .write_all(b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        for _ in 0..64 {
            if socket.write_all(&[b'x'; 1024]).await.is_err() {
                break;
            }
        }
    });
    let err = client()
        .with_max_body(4096)
        .send(post_to(&url))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "RESPONSE_TOO_LARGE");
}

#[tokio::test]
async fn three_redirects_are_followed_and_a_fourth_is_refused() {
    let base = serve(Router::new().route(
        "/r/{n}",
        any(
            |axum::extract::Path(n): axum::extract::Path<u32>| async move {
                if n == 0 {
                    axum::Json(serde_json::json!({"ok": true})).into_response()
                } else {
                    Redirect::temporary(&format!("/r/{}", n - 1)).into_response()
                }
            },
        ),
    ))
    .await;
    let answer = client()
        .json(post_to(&format!("{base}/r/3")))
        .await
        .unwrap();
    assert_eq!(answer["ok"], true);
    let err = client()
        .send(post_to(&format!("{base}/r/4")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "TOO_MANY_REDIRECTS");
}

#[tokio::test]
async fn a_redirect_is_signed_for_its_own_url_and_303_becomes_a_get() {
    let seen = Arc::new(Mutex::new(Vec::<(String, String, String)>::new()));
    let kept = seen.clone();
    let base = serve(
        Router::new()
            .route("/see-other", post(|| async { Redirect::to("/final") }))
            .route(
                "/elsewhere",
                post(|| async { (StatusCode::FOUND, [("location", "ftp://x/")]) }),
            )
            .route(
                "/final",
                any(move |method: Method, headers: HeaderMap| async move {
                    let sig = headers["x-hubspot-signature"].to_str().unwrap().to_owned();
                    kept.lock()
                        .unwrap()
                        .push((method.to_string(), sig, String::new()));
                    "[]"
                }),
            ),
    )
    .await;
    client()
        .send(post_to(&format!("{base}/see-other")))
        .await
        .unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].0, "GET");
    assert_eq!(
        seen[0].1,
        signature::v2(SECRET, "GET", &format!("{base}/final"), b"")
    );
    let err = client()
        .send(post_to(&format!("{base}/elsewhere")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "BAD_REDIRECT");
}

#[tokio::test]
async fn non_2xx_invalid_json_refused_connections_and_bad_urls_are_typed() {
    let base = serve(
        Router::new()
            .route(
                "/fail",
                post(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }),
            )
            .route("/html", post(|| async { "<html>not json</html>" })),
    )
    .await;
    let err = client()
        .json(post_to(&format!("{base}/fail")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "HTTP_STATUS");
    assert!(err.to_string().contains("500"), "{err}");
    let err = client()
        .json(post_to(&format!("{base}/html")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "INVALID_JSON");

    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    let err = client().send(post_to(&url)).await.unwrap_err();
    assert_eq!(err.code(), "CONNECTION_FAILED");

    for bad in ["not a url", "ftp://example.com/", "file:///etc/passwd"] {
        let err = client().send(post_to(bad)).await.unwrap_err();
        assert_eq!(err.code(), "INVALID_URL", "{bad}");
    }
}

fn stream_from<'a>(url: &'a str, range: Option<&'static str>) -> StreamRequest<'a> {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(range) = range {
        headers.insert(reqwest::header::RANGE, range.parse().unwrap());
    }
    StreamRequest { url, headers }
}

/// Collects a streamed body, or its error.
async fn collect(answer: StreamedAnswer) -> Result<Vec<u8>, WebhookError> {
    use futures_util::TryStreamExt;
    let chunks: Vec<_> = answer.body.try_collect().await?;
    Ok(chunks.concat())
}

#[tokio::test]
async fn a_stream_passes_range_on_follows_checked_redirects_and_is_unsigned() {
    let seen = Arc::new(Mutex::new(Vec::<HeaderMap>::new()));
    let kept = seen.clone();
    let base = serve(
        Router::new()
            .route("/moved", any(|| async { Redirect::temporary("/media") }))
            .route(
                "/media",
                any(move |headers: HeaderMap| async move {
                    kept.lock().unwrap().push(headers);
                    (
                        StatusCode::PARTIAL_CONTENT,
                        [("content-range", "bytes 2-4/10")],
                        "cde",
                    )
                }),
            ),
    )
    .await;
    let url = format!("{base}/moved");
    let answer = client()
        .stream(stream_from(&url, Some("bytes=2-4")))
        .await
        .unwrap();
    assert_eq!(answer.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(answer.headers["content-range"], "bytes 2-4/10");
    assert_eq!(collect(answer).await.unwrap(), b"cde");
    let headers = seen.lock().unwrap().pop().unwrap();
    assert_eq!(
        headers["range"], "bytes=2-4",
        "sent again after the redirect"
    );
    assert!(headers.get("x-hubspot-signature").is_none());

    let err = WebhookClient::new(false)
        .stream(stream_from(&url, None))
        .await
        .err()
        .unwrap();
    assert_eq!(err.code(), "REFUSED_ADDRESS");
}

#[tokio::test]
async fn a_stream_past_its_cap_is_refused_up_front_or_cut_off() {
    let base = serve(Router::new().route("/big", any(|| async { "x".repeat(4096) }))).await;
    let err = client()
        .with_max_stream(1024)
        .stream(stream_from(&format!("{base}/big"), None))
        .await
        .err()
        .unwrap();
    assert_eq!(err.code(), "RESPONSE_TOO_LARGE", "by its Content-Length");

    // No Content-Length: cut off once the cap is passed.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/stream", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = tokio::io::AsyncReadExt::read(&mut socket, &mut request).await;
        socket
            .write_all(b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        for _ in 0..64 {
            if socket.write_all(&[b'x'; 1024]).await.is_err() {
                break;
            }
        }
    });
    let answer = client()
        .with_max_stream(4096)
        .stream(stream_from(&url, None))
        .await
        .unwrap();
    assert_eq!(
        collect(answer).await.unwrap_err().code(),
        "RESPONSE_TOO_LARGE"
    );
}

#[tokio::test]
async fn a_stream_that_never_answers_times_out_and_a_non_2xx_is_an_error() {
    let url = silent().await;
    let err = client()
        .with_timeout(Duration::from_millis(300))
        .stream(stream_from(&url, None))
        .await
        .err()
        .unwrap();
    assert_eq!(err.code(), "TIMEOUT");

    let base = serve(Router::new().route(
        "/range",
        any(|| async { StatusCode::RANGE_NOT_SATISFIABLE }),
    ))
    .await;
    let err = client()
        .stream(stream_from(&format!("{base}/range"), Some("bytes=99-")))
        .await
        .err()
        .unwrap();
    assert!(matches!(
        err,
        WebhookError::Status(StatusCode::RANGE_NOT_SATISFIABLE)
    ));
}

#[tokio::test]
async fn failure_messages_never_carry_the_urls_credentials() {
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/rec.wav?sig=s3cr3t", closed.local_addr().unwrap());
    drop(closed);
    let err = client().send(post_to(&url)).await.unwrap_err();
    assert_eq!(err.code(), "CONNECTION_FAILED");
    assert!(!err.to_string().contains("s3cr3t"), "{err}");
    let err = client()
        .stream(stream_from(&url, Some("bytes=0-")))
        .await
        .err()
        .unwrap();
    assert!(!err.to_string().contains("s3cr3t"), "{err}");

    let base = serve(Router::new().route(
        "/go",
        post(|| async {
            (
                StatusCode::FOUND,
                [(
                    axum::http::header::LOCATION,
                    "ftp://media.example/rec?sig=s3cr3t",
                )],
            )
        }),
    ))
    .await;
    let err = client()
        .send(post_to(&format!("{base}/go")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "BAD_REDIRECT");
    assert!(!err.to_string().contains("s3cr3t"), "{err}");
}
