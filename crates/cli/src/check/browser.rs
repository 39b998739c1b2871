//! Headless Chromium over CDP (chromiumoxide): finding the system's browser, opening the host
//! page, acting inside the app's iframe (click, fill, wait for text), and collecting the
//! uncaught errors of the page and its frames.
//!
//! Invariant: no browser is ever downloaded; the browser's profile lives in a temporary folder
//! removed with [`Browser`].

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use chromiumoxide::browser::{Browser as Cdp, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::page::{FrameTree, GetFrameTreeParams};
use chromiumoxide::cdp::js_protocol::runtime::{
    ConsoleApiCalledType, EvaluateParams, EventConsoleApiCalled, EventExceptionThrown,
};
use chromiumoxide::page::Page;
use futures::StreamExt;
use serde_json::Value;

/// The flags the browser runs with (docs/testing-in-ci.md#callhost-check).
pub const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
];

/// `--chromium PATH`, else the first of the usual names on PATH.
pub fn find(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(path) = explicit {
        if path.is_file() {
            return Ok(path.to_owned());
        }
        bail!("--chromium {}: no such file", path.display());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    bail!("no Chromium found on PATH (chromium, chromium-browser, google-chrome): install one (`apt-get install chromium`) or pass --chromium PATH")
}

/// A running browser with one page.
pub struct Browser {
    cdp: Cdp,
    pub page: Page,
    console: Arc<Mutex<Vec<String>>>,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn launch(executable: &Path) -> anyhow::Result<Browser> {
        let profile = tempfile::Builder::new()
            .prefix("callhost-chromium-")
            .tempdir()?;
        let config = BrowserConfig::builder()
            .chrome_executable(executable)
            .disable_default_args()
            .no_sandbox()
            .user_data_dir(profile.path())
            .args(FLAGS.iter().copied())
            .launch_timeout(Duration::from_secs(20))
            .build()
            .map_err(|e| anyhow!("configuring Chromium: {e}"))?;
        let (cdp, mut handler) = Cdp::launch(config)
            .await
            .with_context(|| format!("starting {}", executable.display()))?;
        tokio::spawn(async move { while handler.next().await.is_some() {} });
        let page = cdp.new_page("about:blank").await?;
        let console = Arc::new(Mutex::new(Vec::new()));
        let mut exceptions = page.event_listener::<EventExceptionThrown>().await?;
        let sink = console.clone();
        tokio::spawn(async move {
            while let Some(event) = exceptions.next().await {
                let details = &event.exception_details;
                let text = details
                    .exception
                    .as_ref()
                    .and_then(|e| e.description.clone())
                    .unwrap_or_else(|| details.text.clone());
                let at = details.url.clone().unwrap_or_default();
                sink.lock()
                    .unwrap()
                    .push(format!("uncaught: {text} ({at})"));
            }
        });
        let mut calls = page.event_listener::<EventConsoleApiCalled>().await?;
        let sink = console.clone();
        tokio::spawn(async move {
            while let Some(event) = calls.next().await {
                if event.r#type != ConsoleApiCalledType::Error {
                    continue;
                }
                let text: Vec<String> = event
                    .args
                    .iter()
                    .map(|a| match &a.value {
                        Some(Value::String(s)) => s.clone(),
                        Some(v) => v.to_string(),
                        None => a.description.clone().unwrap_or_default(),
                    })
                    .collect();
                sink.lock()
                    .unwrap()
                    .push(format!("console.error: {}", text.join(" ")));
            }
        });
        Ok(Browser {
            cdp,
            page,
            console,
            _profile: profile,
        })
    }

    pub async fn open(&self, url: &str) -> anyhow::Result<()> {
        self.page.goto(url).await?;
        Ok(())
    }

    /// The errors the page and its frames reported so far.
    pub fn console_errors(&self) -> Vec<String> {
        self.console.lock().unwrap().clone()
    }

    /// Runs `expression` (a promise or a value) in the frame whose URL starts with `origin`.
    pub async fn eval_in_app(&self, origin: &str, expression: &str) -> anyhow::Result<Value> {
        let tree = self.page.execute(GetFrameTreeParams::default()).await?;
        let frame = find_frame(&tree.result.frame_tree, origin)
            .ok_or_else(|| anyhow!("the app's iframe ({origin}) is not on the page"))?;
        let context = self
            .page
            .frame_execution_context(frame)
            .await?
            .ok_or_else(|| anyhow!("the app's iframe has no script context yet"))?;
        let params = EvaluateParams::builder()
            .expression(expression)
            .context_id(context)
            .await_promise(true)
            .return_by_value(true)
            .build()
            .map_err(|e| anyhow!("{e}"))?;
        let result = self.page.execute(params).await?.result.clone();
        if let Some(exception) = result.exception_details {
            bail!(
                "{}",
                exception
                    .exception
                    .and_then(|e| e.description)
                    .unwrap_or(exception.text)
            );
        }
        Ok(result.result.value.unwrap_or(Value::Null))
    }

    /// Clicks the element `selector` matches inside the app.
    pub async fn click(&self, origin: &str, selector: &str) -> anyhow::Result<()> {
        let js = format!(
            "(() => {{ const el = document.querySelector({s}); if (!el) throw new Error('no element matches ' + {s}); el.click(); return true; }})()",
            s = Value::from(selector)
        );
        self.eval_in_app(origin, &js).await.map(|_| ())
    }

    /// Types `value` into the field `selector` matches inside the app.
    pub async fn fill(&self, origin: &str, selector: &str, value: &str) -> anyhow::Result<()> {
        let js = format!(
            "(() => {{ const el = document.querySelector({s}); if (!el) throw new Error('no element matches ' + {s}); el.focus(); el.value = {v}; el.dispatchEvent(new Event('input', {{bubbles: true}})); el.dispatchEvent(new Event('change', {{bubbles: true}})); return true; }})()",
            s = Value::from(selector),
            v = Value::from(value)
        );
        self.eval_in_app(origin, &js).await.map(|_| ())
    }

    /// Waits until the app's text contains `text`.
    pub async fn wait_for_text(
        &self,
        origin: &str,
        text: &str,
        within: Duration,
    ) -> anyhow::Result<()> {
        let deadline = Instant::now() + within;
        let js = format!(
            "document.body ? document.body.innerText.includes({}) : false",
            Value::from(text)
        );
        loop {
            let seen = self.eval_in_app(origin, &js).await;
            if matches!(seen, Ok(Value::Bool(true))) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!(
                    "expected the text {text:?} in the app within {} ms; it did not appear",
                    within.as_millis()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn close(mut self) {
        let _ = self.cdp.close().await;
        let _ = self.cdp.wait().await;
    }
}

fn find_frame(
    tree: &FrameTree,
    origin: &str,
) -> Option<chromiumoxide::cdp::browser_protocol::page::FrameId> {
    for child in tree.child_frames.iter().flatten() {
        if child.frame.url.starts_with(origin) {
            return Some(child.frame.id.clone());
        }
        if let Some(found) = find_frame(child, origin) {
            return Some(found);
        }
    }
    None
}
