//! Bindings for `kfmcp_plugin.h` (ABI 1.1), written by hand and checked in so
//! the crate needs neither bindgen nor a C compiler. Keep them in the header's
//! order: every struct is `#[repr(C)]` and only ever grows at the end.
//!
//! Return codes are `i32` everywhere, as in the header (bindgen would make the
//! `#define`d codes `u32` while the callbacks return `int32_t`).
#![allow(non_camel_case_types, dead_code)]

use std::os::raw::{c_char, c_void};

pub const KFMCP_ABI_MAJOR: u16 = 1;
pub const KFMCP_ABI_MINOR: u16 = 1;
pub const KFMCP_HOST_V1_0_SIZE: u32 = 8 + 17 * std::mem::size_of::<*const c_void>() as u32;

pub const KFMCP_RISK_READ_ONLY: u32 = 1;
pub const KFMCP_RISK_MUTATING: u32 = 2;
pub const KFMCP_RISK_EXPENSIVE: u32 = 3;
pub const KFMCP_RISK_DESTRUCTIVE: u32 = 4;
pub const KFMCP_TOOL_IDEMPOTENT: u32 = 1 << 0;
pub const KFMCP_TOOL_OPEN_WORLD: u32 = 1 << 1;

pub const KFMCP_LOG_DEBUG: u32 = 0;
pub const KFMCP_LOG_INFO: u32 = 1;
pub const KFMCP_LOG_WARNING: u32 = 2;
pub const KFMCP_LOG_ERROR: u32 = 3;

pub const KFMCP_OK: i32 = 0;
pub const KFMCP_ERR_UNKNOWN: i32 = 1;
pub const KFMCP_ERR_BAD_INPUT: i32 = 2;
pub const KFMCP_ERR_INTERNAL: i32 = 3;
pub const KFMCP_ERR_NO_CALL: i32 = 4;
pub const KFMCP_ERR_DENIED: i32 = 5;

/// Opaque: a call in flight, valid during one invoke.
#[repr(C)]
pub struct kfmcp_call {
    _private: [u8; 0],
}

pub type Out = *mut *mut c_char;

#[repr(C)]
pub struct kfmcp_host_v1 {
    pub struct_size: u32,
    pub abi_major: u16,
    pub abi_minor: u16,
    pub host_version: *const c_char,
    pub host_data: *mut c_void,
    pub log: Option<unsafe extern "C" fn(*const kfmcp_host_v1, u32, *const c_char)>,
    pub progress: Option<unsafe extern "C" fn(*const kfmcp_host_v1, *mut kfmcp_call, f64, *const c_char)>,
    pub is_cancelled: Option<unsafe extern "C" fn(*const kfmcp_host_v1, *mut kfmcp_call) -> i32>,
    pub k8s_request: Option<unsafe extern "C" fn(*const kfmcp_host_v1, *mut kfmcp_call, *const c_char, Out) -> i32>,
    pub k8s_stream: Option<
        unsafe extern "C" fn(
            *const kfmcp_host_v1,
            *mut kfmcp_call,
            *const c_char,
            Option<unsafe extern "C" fn(*mut c_void, *const c_char) -> i32>,
            *mut c_void,
            Out,
        ) -> i32,
    >,
    pub call_backend: Option<
        unsafe extern "C" fn(*const kfmcp_host_v1, *mut kfmcp_call, *const c_char, *const c_char, *const c_char, Out) -> i32,
    >,
    pub list_backends: Option<unsafe extern "C" fn(*const kfmcp_host_v1, Out) -> i32>,
    pub plugin_config: Option<unsafe extern "C" fn(*const kfmcp_host_v1, Out) -> i32>,
    pub call_context: Option<unsafe extern "C" fn(*const kfmcp_host_v1, *mut kfmcp_call, Out) -> i32>,
    pub free: Option<unsafe extern "C" fn(*const kfmcp_host_v1, *mut c_void)>,
    pub get_extension: Option<unsafe extern "C" fn(*const kfmcp_host_v1, *const c_char) -> *const c_void>,
    pub reserved: [*mut c_void; 4],
}

#[repr(C)]
pub struct kfmcp_tool_v1 {
    pub struct_size: u32,
    pub risk: u32,
    pub flags: u32,
    pub reserved0: u32,
    pub name: *const c_char,
    pub title: *const c_char,
    pub description: *const c_char,
    pub category: *const c_char,
    pub input_schema: *const c_char,
    pub output_schema: *const c_char,
}

#[repr(C)]
pub struct kfmcp_backend_v1 {
    pub struct_size: u32,
    pub reserved0: u32,
    pub id: *const c_char,
    pub title: *const c_char,
    pub version: *const c_char,
    pub capabilities_json: *const c_char,
}

pub type InvokeFn = unsafe extern "C" fn(*const c_char, *const c_char, *mut kfmcp_call, Out) -> i32;
pub type BackendInvokeFn = unsafe extern "C" fn(*const c_char, *const c_char, *const c_char, *mut kfmcp_call, Out) -> i32;

/// The header's provider names (kfmcp/providers.h): a "backend" entry declares a provider of any kind.
pub type kfmcp_provider_v1 = kfmcp_backend_v1;
pub type ProviderInvokeFn = BackendInvokeFn;

#[repr(C)]
pub struct kfmcp_manifest_v1 {
    pub struct_size: u32,
    pub abi_major: u16,
    pub abi_minor: u16,
    pub plugin_id: *const c_char,
    pub plugin_version: *const c_char,
    pub built_with: *const c_char,
    pub description: *const c_char,
    pub tools: *const kfmcp_tool_v1,
    pub tool_count: u32,
    pub backend_count: u32,
    pub backends: *const kfmcp_backend_v1,
    pub invoke: Option<InvokeFn>,
    pub backend_invoke: Option<BackendInvokeFn>,
    pub free_result: Option<unsafe extern "C" fn(*mut c_char)>,
    pub shutdown: Option<unsafe extern "C" fn()>,
    pub reserved: [*mut c_void; 4],
    // ABI 1.1
    pub instructions: *const c_char,
    pub cluster_scoped_reads: *const c_char,
}

// The manifest and tools are written once at entry and only read afterwards.
unsafe impl Sync for kfmcp_manifest_v1 {}
unsafe impl Send for kfmcp_manifest_v1 {}
unsafe impl Sync for kfmcp_tool_v1 {}
unsafe impl Send for kfmcp_tool_v1 {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::size_of;

    #[test]
    fn layouts_match_the_header_on_lp64() {
        if size_of::<usize>() == 8 {
            assert_eq!(size_of::<kfmcp_tool_v1>(), 64);
            assert_eq!(size_of::<kfmcp_backend_v1>(), 40);
            assert_eq!(size_of::<kfmcp_host_v1>() as u32, KFMCP_HOST_V1_0_SIZE);
            assert_eq!(size_of::<kfmcp_manifest_v1>(), 16 + 16 * 8);
        }
    }
}
