//! The REST benchmark's baseline: a bare axum hello-world on the same machine, so the figures
//! of `bench/rest.py` are ratios to what axum itself does here. `GET` and `PATCH` on any path
//! answer a small JSON body; nothing else happens.
//!
//!     cargo build --release -p callhost-bench && target/release/hello
//!
//! Prints `hello ready http://127.0.0.1:<port>` once it listens, and serves until killed.

use axum::routing::get;
use axum::Router;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let hello = || async {
        (
            [("content-type", "application/json")],
            "{\"hello\":\"world\"}",
        )
    };
    let app = Router::new().fallback(get(hello).patch(hello));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("hello ready http://{}", listener.local_addr()?);
    axum::serve(listener, app).await
}
