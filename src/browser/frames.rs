//! A page's frames as the consent driver reaches them: one isolated world per frame (cross-origin
//! frames included, since site isolation is off and every frame lives in the page's target),
//! scripts evaluated there, and viewport screenshots.

use std::collections::HashMap;

use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::page::{
    CaptureScreenshotFormat, CaptureScreenshotParams, CreateIsolatedWorldParams, FrameTree,
    GetFrameTreeParams,
};
use chromiumoxide::cdp::js_protocol::runtime::{EvaluateParams, ExecutionContextId};

/// A screenshot larger than this is taken again at a lower quality, then dropped: evidence must
/// not swell a report.
pub(crate) const MAX_SCREENSHOT_BYTES: usize = 250 * 1024;

/// The frames of a page, main frame first, then the others in document order.
pub(super) async fn frame_ids(page: &Page) -> Vec<String> {
    let Ok(tree) = page.execute(GetFrameTreeParams::default()).await else {
        return Vec::new();
    };
    let mut ids = Vec::new();
    collect(&tree.result.frame_tree, &mut ids);
    ids
}

fn collect(tree: &FrameTree, out: &mut Vec<String>) {
    out.push(tree.frame.id.inner().clone());
    for child in tree.child_frames.iter().flatten() {
        collect(child, out);
    }
}

/// Isolated worlds holding one script, created per frame on first use and kept, so that what
/// the script remembers (the last element it clicked) lasts from one call to the next.
pub(super) struct Worlds {
    name: String,
    script: String,
    contexts: HashMap<String, i64>,
}

impl Worlds {
    /// Worlds named `name` (hidden from the page), each running `script` once.
    pub(super) fn new(name: String, script: String) -> Worlds {
        Worlds {
            name,
            script,
            contexts: HashMap::new(),
        }
    }

    /// Evaluates `expression` in the world of each frame in turn, main frame first, until one
    /// answers something other than null; returns that frame and its answer.
    pub(super) async fn first_answer(
        &mut self,
        page: &Page,
        expression: &str,
    ) -> Option<(String, serde_json::Value)> {
        let frames = frame_ids(page).await;
        tracing::trace!(frames = frames.len(), expression, "asking each frame");
        for frame in frames {
            if let Some(value) = self.in_frame(page, &frame, expression).await
                && !value.is_null()
            {
                return Some((frame, value));
            }
        }
        None
    }

    /// Evaluates `expression` in the world of `frame`; None when the frame is gone.
    pub(super) async fn in_frame(
        &mut self,
        page: &Page,
        frame: &str,
        expression: &str,
    ) -> Option<serde_json::Value> {
        let context = self.context(page, frame).await?;
        match evaluate(page, Some(context), expression).await {
            Ok(value) => Some(value),
            // The frame navigated away: its world went with it.
            Err(_) => {
                self.contexts.remove(frame);
                None
            }
        }
    }

    async fn context(&mut self, page: &Page, frame: &str) -> Option<i64> {
        if let Some(context) = self.contexts.get(frame) {
            return Some(*context);
        }
        let params = CreateIsolatedWorldParams::builder()
            .frame_id(frame.to_string())
            .world_name(self.name.clone())
            .build()
            .ok()?;
        let created = match page.execute(params).await {
            Ok(created) => created,
            Err(error) => {
                tracing::debug!(frame, "no isolated world: {error}");
                return None;
            }
        };
        let context = *created.result.execution_context_id.inner();
        if let Err(error) = evaluate(page, Some(context), &self.script).await {
            tracing::debug!(frame, "the consent rules did not start: {error}");
            return None;
        }
        self.contexts.insert(frame.to_string(), context);
        Some(context)
    }
}

/// Evaluates `expression` (awaiting a promise) in `context`, or the page's main world; the
/// answer by value, or why there is none.
pub(super) async fn evaluate(
    page: &Page,
    context: Option<i64>,
    expression: &str,
) -> Result<serde_json::Value, String> {
    let mut builder = EvaluateParams::builder()
        .expression(expression)
        .return_by_value(true)
        .await_promise(true);
    if let Some(context) = context {
        builder = builder.context_id(ExecutionContextId::new(context));
    }
    let params = builder.build().map_err(|e| e.to_string())?;
    let answer = page.execute(params).await.map_err(|e| e.to_string())?;
    if let Some(exception) = &answer.result.exception_details {
        return Err(exception.text.clone());
    }
    Ok(answer.result.result.value.clone().unwrap_or_default())
}

/// The viewport as a JPEG, at most [`MAX_SCREENSHOT_BYTES`]; None when it cannot be had.
pub(super) async fn screenshot(page: &Page) -> Option<Vec<u8>> {
    for quality in [70, 40] {
        let params = CaptureScreenshotParams::builder()
            .format(CaptureScreenshotFormat::Jpeg)
            .quality(quality)
            .build();
        let shot = page.execute(params).await.ok()?;
        let bytes = decode_base64(shot.result.data.as_ref())?;
        if bytes.len() <= MAX_SCREENSHOT_BYTES {
            return Some(bytes);
        }
    }
    None
}

fn decode_base64(data: &str) -> Option<Vec<u8>> {
    // chromiumoxide gives the protocol's base64 text as it came.
    crate::cookie::choice::base64_decode(data)
}
