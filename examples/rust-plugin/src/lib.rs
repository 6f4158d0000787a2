//! A kubeflow-mcp plugin in Rust (ABI 1.1, `src/abi.rs`), zero dependencies.
//!
//! ```text
//! cargo build --offline --release
//! kubeflow-mcp serve --plugins-dir "$PWD/target/release"    # loads libkfmcp_rust_example.so (absolute)
//! ```
//!
//! Two read-only tools: `rust_word_count` (pure) and `rust_whoami` (asks the
//! host for the call's context, the way a tool reaches any host service).
//! Panics never cross the C boundary: each entry point catches them.
mod abi;
pub mod json;

use abi::*;
use std::ffi::{CStr, CString};
use std::os::raw::c_char;
use std::panic::catch_unwind;
use std::sync::OnceLock;

/// The host struct, kept from entry (valid until shutdown returns).
struct Host(*const kfmcp_host_v1);
unsafe impl Send for Host {}
unsafe impl Sync for Host {}
static HOST: OnceLock<Host> = OnceLock::new();

/// Static C strings for the manifest.
macro_rules! c {
    ($s:expr) => {
        concat!($s, "\0").as_ptr() as *const c_char
    };
}

fn answer_ok(result: String, text: &str) -> String {
    format!("{{\"result\":{result},\"text\":{}}}", json::quote(text))
}

fn answer_error(message: &str, field: Option<&str>) -> String {
    match field {
        Some(f) => format!("{{\"error\":{{\"message\":{},\"field\":{}}}}}", json::quote(message), json::quote(f)),
        None => format!("{{\"error\":{{\"message\":{}}}}}", json::quote(message)),
    }
}

/// rust_word_count {"text": string}: words, lines and characters.
pub fn word_count(args: &json::Value) -> String {
    let Some(text) = args.get("text").and_then(json::Value::as_str) else {
        return answer_error("rust_word_count needs text: the string to count words in.", Some("text"));
    };
    let words = text.split_whitespace().count();
    let lines = if text.is_empty() { 0 } else { text.lines().count() };
    let chars = text.chars().count();
    answer_ok(format!("{{\"words\":{words},\"lines\":{lines},\"characters\":{chars}}}"),
              &format!("{words} word(s), {lines} line(s)"))
}

/// rust_whoami: the host's call_context, passed through.
fn whoami(call: *mut kfmcp_call) -> String {
    let Some(Host(host)) = HOST.get() else { return answer_error("the plugin was not entered", None) };
    let host = *host;
    let mut out: *mut c_char = std::ptr::null_mut();
    // Safety: host is valid until shutdown; call is valid during this invoke.
    let rc = unsafe { ((*host).call_context.expect("call_context"))(host, call, &mut out) };
    if rc != KFMCP_OK || out.is_null() {
        return answer_error(&format!("call_context failed with code {rc}"), None);
    }
    let context = unsafe { CStr::from_ptr(out) }.to_string_lossy().into_owned();
    unsafe { ((*host).free.expect("free"))(host, out.cast()) };
    let user = json::parse(&context).ok().and_then(|v| v.get("user").and_then(json::Value::as_str).map(String::from));
    answer_ok(context, &format!("You are {}.", user.unwrap_or_else(|| "unknown".into())))
}

unsafe extern "C" fn invoke(tool: *const c_char, json_in: *const c_char, call: *mut kfmcp_call, out: Out) -> i32 {
    let run = || {
        let tool = unsafe { CStr::from_ptr(tool) }.to_str().unwrap_or("");
        let input = unsafe { CStr::from_ptr(json_in) }.to_str().unwrap_or("");
        let Ok(args) = json::parse(input) else { return Err(KFMCP_ERR_BAD_INPUT) };
        match tool {
            "rust_word_count" => Ok(word_count(&args)),
            "rust_whoami" => Ok(whoami(call)),
            _ => Err(KFMCP_ERR_UNKNOWN),
        }
    };
    match catch_unwind(run) {
        Ok(Ok(answer)) => match CString::new(answer) {
            Ok(c) => {
                unsafe { *out = c.into_raw() };
                KFMCP_OK
            }
            Err(_) => KFMCP_ERR_INTERNAL,
        },
        Ok(Err(code)) => code,
        Err(_) => KFMCP_ERR_INTERNAL,
    }
}

unsafe extern "C" fn free_result(p: *mut c_char) {
    if !p.is_null() {
        drop(unsafe { CString::from_raw(p) }); // allocated by CString::into_raw above
    }
}

struct Manifest(kfmcp_manifest_v1);
static MANIFEST: OnceLock<(Manifest, Box<[kfmcp_tool_v1]>)> = OnceLock::new();
unsafe impl Sync for Manifest {}
unsafe impl Send for Manifest {}

fn tool(name: *const c_char, title: *const c_char, description: *const c_char, schema: *const c_char) -> kfmcp_tool_v1 {
    kfmcp_tool_v1 {
        struct_size: std::mem::size_of::<kfmcp_tool_v1>() as u32,
        risk: KFMCP_RISK_READ_ONLY,
        flags: KFMCP_TOOL_IDEMPOTENT,
        reserved0: 0,
        name,
        title,
        description,
        category: c!("discovery"),
        input_schema: schema,
        output_schema: std::ptr::null(),
    }
}

/// The one exported symbol (kfmcp_plugin.h).
#[no_mangle]
pub unsafe extern "C" fn kfmcp_plugin_entry_v1(host: *const kfmcp_host_v1) -> *const kfmcp_manifest_v1 {
    // The check every plugin makes: a host struct at least ABI 1.0's, same major.
    if host.is_null() || unsafe { (*host).struct_size } < KFMCP_HOST_V1_0_SIZE || unsafe { (*host).abi_major } != KFMCP_ABI_MAJOR {
        return std::ptr::null();
    }
    let _ = HOST.set(Host(host));
    let (manifest, _) = MANIFEST.get_or_init(|| {
        let tools: Box<[kfmcp_tool_v1]> = Box::new([
            tool(c!("rust_word_count"), c!("Count words (Rust example)"),
                 c!("Counts words, lines and characters of a text. An example tool written in Rust."),
                 c!(r#"{"type":"object","properties":{"text":{"type":"string","description":"The text to count."}},"required":["text"],"additionalProperties":false}"#)),
            tool(c!("rust_whoami"), c!("Who am I (Rust example)"),
                 c!("The identity, namespace and policy the host applies to this call. An example of a host service called from Rust."),
                 c!(r#"{"type":"object","properties":{},"additionalProperties":false}"#)),
        ]);
        let manifest = kfmcp_manifest_v1 {
            struct_size: std::mem::size_of::<kfmcp_manifest_v1>() as u32,
            abi_major: KFMCP_ABI_MAJOR,
            abi_minor: KFMCP_ABI_MINOR,
            plugin_id: c!("rust-example"),
            plugin_version: c!("0.1.0"),
            built_with: c!("rustc"),
            description: c!("Example kubeflow-mcp plugin written in Rust."),
            tools: tools.as_ptr(),
            tool_count: tools.len() as u32,
            backend_count: 0,
            backends: std::ptr::null(),
            invoke: Some(invoke),
            backend_invoke: None,
            free_result: Some(free_result),
            shutdown: None,
            reserved: [std::ptr::null_mut(); 4],
            instructions: c!("rust_word_count counts words; rust_whoami shows who the host says you are."),
            cluster_scoped_reads: std::ptr::null(),
        };
        (Manifest(manifest), tools)
    });
    &manifest.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_count_answers_and_names_a_missing_field() {
        let args = json::parse(r#"{"text":"one two\nthree"}"#).unwrap();
        assert!(word_count(&args).starts_with(r#"{"result":{"words":3,"lines":2,"characters":13}"#));
        assert!(word_count(&json::parse("{}").unwrap()).contains(r#""field":"text""#));
    }
}
