import ArgumentParser
import Foundation
import HostCore

/// `kubeflow-mcp plugin new NAME --lang swift|c|rust`: a buildable plugin
/// skeleton with one read-only tool and a test, written against this
/// checkout's ABI (the C header as `plugin sdk` gives it, PluginKit from the
/// package KUBEFLOW_MCP_PACKAGE names, a copy of the Rust bindings of
/// examples/rust-plugin); no file holds the checkout's path. The files say
/// how to build, test and load it.
struct PluginNewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new", abstract: "Write a buildable plugin skeleton (one tool and a test) in swift, c or rust.")

    enum Language: String, ExpressibleByArgument, CaseIterable { case swift, c, rust }

    @Argument(help: "Plugin id: [a-z][a-z0-9-]*, at most 40 characters (e.g. my-tools).") var name: String
    @Option(help: "swift, c or rust.") var lang: Language
    @Option(help: ArgumentHelp("Directory to create (default: ./NAME).", valueName: "DIR")) var output: String?
    @Option(help: ArgumentHelp("The kubeflow-mcp checkout to build against (default: the one this binary was built in).",
                               valueName: "DIR"))
    var repo: String?

    func validate() throws {
        let ok = name.utf8.count <= 40 && name.first.map { $0 >= "a" && $0 <= "z" } == true
            && name.allSatisfy { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "-" }
            && !name.hasSuffix("-")
        guard ok else { throw ValidationError("NAME must be [a-z][a-z0-9-]*, at most 40 characters, e.g. my-tools (got '\(name)').") }
    }

    func run() throws {
        let exeDir = (HostOptions.currentExecutablePath() as NSString).deletingLastPathComponent
        guard let root = repo.map({ URL(fileURLWithPath: $0).standardizedFileURL.path })
            ?? PluginSearchPath.checkoutRoot(startingAt: exeDir)
        else { throw ValidationError("Cannot tell which kubeflow-mcp checkout to build against; pass --repo DIR.") }
        guard FileManager.default.fileExists(atPath: root + "/Sources/PluginABI/include/kfmcp_plugin.h") else {
            throw ValidationError("--repo \(root) is not a kubeflow-mcp checkout (no Sources/PluginABI/include/kfmcp_plugin.h).")
        }
        let dir = output ?? name
        guard !FileManager.default.fileExists(atPath: dir) else {
            throw ValidationError("\(dir) already exists; pick another NAME or --output DIR.")
        }
        let skeleton = Skeleton(id: name, repo: root)
        let files: [(String, String)]
        switch lang {
        case .swift: files = skeleton.swift()
        case .c: files = skeleton.c()
        case .rust: files = try skeleton.rust()
        }
        for (path, text) in files {
            let full = (dir as NSString).appendingPathComponent(path)
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
        print("Wrote a \(lang.rawValue) plugin '\(name)' with tool \(skeleton.tool) in \(dir):")
        for (path, _) in files { print("  \(path)") }
        print(skeleton.nextSteps(lang, dir: dir))
    }
}

/// The skeleton's text for each language. One tool, `<id>_hello`, read-only.
struct Skeleton {
    let id: String
    let repo: String
    var tool: String { id.replacingOccurrences(of: "-", with: "_") + "_hello" }
    var module: String { id.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined() + "Plugin" }
    var cFile: String { id.replacingOccurrences(of: "-", with: "_") }
    var crate: String { "kfmcp-" + id }

    func nextSteps(_ lang: PluginNewCommand.Language, dir: String) -> String {
        switch lang {
        case .swift: return "Next: export KUBEFLOW_MCP_PACKAGE=\(repo); swift test --package-path \(dir); swift build --package-path \(dir); kubeflow-mcp serve --plugins-dir \(dir)/.build/debug"
        case .c: return "Next: make -C \(dir) KUBEFLOW_MCP=\(HostOptions.currentExecutablePath()) test; kubeflow-mcp serve --plugins-dir \(dir)   (needs libcjson-dev)"
        case .rust: return "Next: cargo test --offline --manifest-path \(dir)/Cargo.toml; cargo build --offline --manifest-path \(dir)/Cargo.toml; kubeflow-mcp serve --plugins-dir \(dir)/target/debug"
        }
    }

    func swift() -> [(String, String)] {
        let exports = (try? String(contentsOfFile: repo + "/Sources/Plugins/exports.map", encoding: .utf8))
            ?? "{\n  global: kfmcp_plugin_entry_v1;\n  local: *;\n};\n"
        return [
            ("Package.swift", """
            // swift-tools-version:6.1
            // The kubeflow-mcp plugin '\(id)'. PluginKit comes from the kubeflow-mcp package: a checkout
            // named by KUBEFLOW_MCP_PACKAGE (`kubeflow-mcp plugin sdk` prints it as swift_package), else
            // ../kubeflow-mcp beside this package; a URL and version work the same way.
            import PackageDescription

            let kubeflowMCP = Context.environment["KUBEFLOW_MCP_PACKAGE"] ?? "../kubeflow-mcp"

            let package = Package(
                name: "\(crate)",
                platforms: [.macOS(.v13)],
                products: [.library(name: "\(crate)", type: .dynamic, targets: ["\(module)"])],
                dependencies: [.package(name: "kubeflow-mcp", path: kubeflowMCP)],
                targets: [
                    .target(name: "\(module)", dependencies: [.product(name: "PluginKit", package: "kubeflow-mcp")],
                            linkerSettings: [.unsafeFlags(["-Xlinker", "--version-script=" + Context.packageDirectory + "/exports.map"])]),
                    // PluginKitTesting's FakeHost runs the tools through the manifest, with no cluster or server.
                    .testTarget(name: "\(module)Tests", dependencies: ["\(module)", .product(name: "PluginKitTesting", package: "kubeflow-mcp")]),
                ]
            )

            """),
            ("exports.map", exports),
            ("Sources/\(module)/Plugin.swift", """
            import PluginKit

            /// The plugin: its tools as data plus handlers (see PluginKit).
            public let plugin = PluginDefinition(
                id: "\(id)",
                version: "0.1.0",
                description: "TODO: what the \(id) tools do.",
                tools: [
                    ToolDefinition(
                        name: "\(tool)", title: "Hello",
                        description: "Greets `name`. Replace it with your tool.",
                        category: "discovery", risk: .readOnly, idempotent: true,
                        input: Schema.object(["name": Schema.string("Who to greet.")], required: ["name"])
                    ) { call in
                        let text = try Hello.greet(try call.string("name"))
                        return ToolOutput(["greeting": .string(text)], text: text)
                    },
                ]
            )

            /// The tool's logic, apart from the ABI so tests call it directly.
            public enum Hello {
                public static func greet(_ name: String) throws -> String {
                    guard !name.isEmpty else { throw ToolError("name is empty; pass who to greet.", field: "name") }
                    return "Hello, \\(name)!"
                }
            }

            /// The one symbol the host looks up (kfmcp_plugin.h).
            @_cdecl("kfmcp_plugin_entry_v1")
            public func kfmcpPluginEntry(_ host: UnsafeRawPointer?) -> UnsafeRawPointer? {
                plugin.export(host: host)
            }

            """),
            ("Tests/\(module)Tests/HelloTests.swift", """
            import PluginKit
            import PluginKitTesting
            import Testing
            import \(module)

            @Test func greets() throws {
                #expect(try Hello.greet("Ada") == "Hello, Ada!")
            }

            @Test func anEmptyNameIsRefused() {
                #expect(throws: ToolError.self) { try Hello.greet("") }
            }

            /// The tool as the host calls it: by name, through the manifest, JSON in and out. A FakeHost
            /// also scripts Kubernetes answers (host.kubernetes), the call context, providers and other tools.
            @Test func theToolAnswersThroughTheManifest() throws {
                let host = FakeHost()
                let loaded = try host.load(plugin)
                #expect(try loaded.result("\(tool)", ["name": "Ada"]) == ["greeting": "Hello, Ada!"])
                #expect(try loaded.call("\(tool)", ["name": ""])["error"]?["field"] == "name")
                #expect(host.requests.isEmpty)
            }

            """),
        ]
    }

    func c() -> [(String, String)] {
        [
            ("Makefile", """
            # The kubeflow-mcp plugin '\(id)' in C, JSON through Debian's cJSON (apt install libcjson-dev).
            # The ABI header comes from the host, as pkg-config would give it: `kubeflow-mcp plugin sdk --cflags`
            # (installed beside the binary, or the checkout it runs from). KUBEFLOW_MCP names the binary.
            KUBEFLOW_MCP ?= kubeflow-mcp
            KFMCP_CFLAGS ?= $(shell $(KUBEFLOW_MCP) plugin sdk --cflags)
            ifeq ($(strip $(KFMCP_CFLAGS)),)
            $(error `$(KUBEFLOW_MCP) plugin sdk --cflags` gave nothing: put kubeflow-mcp on PATH or pass KUBEFLOW_MCP=/path/to/kubeflow-mcp)
            endif
            CFLAGS += -Wall -Werror -fPIC $(KFMCP_CFLAGS)

            lib\(crate).so: \(cFile).c
            \t$(CC) $(CFLAGS) -shared $< -lcjson -o $@

            test: lib\(crate).so test_\(cFile).c \(cFile).c
            \t$(CC) $(CFLAGS) test_\(cFile).c \(cFile).c -lcjson -o test_\(cFile)
            \t./test_\(cFile)

            .PHONY: test

            """),
            ("\(cFile).c", """
            /* The kubeflow-mcp plugin '\(id)': one tool, \(tool). See kfmcp_plugin.h. */
            #include "kfmcp_plugin.h"

            #include <cjson/cJSON.h>
            #include <stdio.h>
            #include <string.h>

            /* {"name": string} → {"result":{"greeting":…}} or an error naming the field. */
            static char *hello(const cJSON *args) {
                const cJSON *name = cJSON_GetObjectItemCaseSensitive(args, "name");
                cJSON *answer = cJSON_CreateObject();
                if (!cJSON_IsString(name) || name->valuestring[0] == '\\0') {
                    cJSON *error = cJSON_AddObjectToObject(answer, "error");
                    cJSON_AddStringToObject(error, "message", "name is empty; pass who to greet.");
                    cJSON_AddStringToObject(error, "field", "name");
                } else {
                    char text[300];
                    snprintf(text, sizeof text, "Hello, %.256s!", name->valuestring);
                    cJSON_AddStringToObject(cJSON_AddObjectToObject(answer, "result"), "greeting", text);
                    cJSON_AddStringToObject(answer, "text", text);
                }
                char *out = cJSON_PrintUnformatted(answer);
                cJSON_Delete(answer);
                return out;
            }

            /* [call] [any thread] */
            static int32_t invoke(const char *tool, const char *json_in, kfmcp_call *call, char **json_out) {
                (void)call;
                if (strcmp(tool, "\(tool)") != 0) return KFMCP_ERR_UNKNOWN;
                cJSON *args = cJSON_Parse(json_in);
                if (!cJSON_IsObject(args)) { cJSON_Delete(args); return KFMCP_ERR_BAD_INPUT; }
                *json_out = hello(args);
                cJSON_Delete(args);
                return *json_out ? KFMCP_OK : KFMCP_ERR_INTERNAL;
            }

            static void free_result(char *json_out) { cJSON_free(json_out); }

            static const kfmcp_tool_v1 tools[] = {{
                .struct_size = sizeof(kfmcp_tool_v1),
                .risk = KFMCP_RISK_READ_ONLY,
                .flags = KFMCP_TOOL_IDEMPOTENT,
                .name = "\(tool)",
                .title = "Hello",
                .description = "Greets name. Replace it with your tool.",
                .category = "discovery",
                .input_schema = "{\\"type\\":\\"object\\",\\"properties\\":{\\"name\\":{\\"type\\":\\"string\\"}},\\"required\\":[\\"name\\"]}",
            }};

            static const kfmcp_manifest_v1 manifest = {
                .struct_size = sizeof(kfmcp_manifest_v1),
                .abi_major = KFMCP_ABI_MAJOR,
                .abi_minor = KFMCP_ABI_MINOR,
                .plugin_id = "\(id)",
                .plugin_version = "0.1.0",
                .built_with = "cc",
                .description = "TODO: what the \(id) tools do.",
                .tools = tools,
                .tool_count = sizeof tools / sizeof tools[0],
                .invoke = invoke,
                .free_result = free_result,
            };

            KFMCP_EXPORT const kfmcp_manifest_v1 *kfmcp_plugin_entry_v1(const kfmcp_host_v1 *host) {
                /* Serve only a host whose struct is at least ABI 1.0's, same major. */
                if (!host || host->struct_size < KFMCP_HOST_V1_0_SIZE || host->abi_major != KFMCP_ABI_MAJOR) return NULL;
                return &manifest;
            }

            """),
            ("test_\(cFile).c", """
            /* Calls the plugin the way the host does: entry with a host struct, then invoke. */
            #include "kfmcp_plugin.h"

            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>

            static int failures;
            static void expect(int ok, const char *what) {
                if (!ok) { fprintf(stderr, "FAIL: %s\\n", what); failures++; }
            }

            int main(void) {
                kfmcp_host_v1 host = {.struct_size = sizeof host, .abi_major = KFMCP_ABI_MAJOR, .abi_minor = KFMCP_ABI_MINOR};
                const kfmcp_manifest_v1 *m = kfmcp_plugin_entry_v1(&host);
                expect(m && m->tool_count == 1, "the manifest lists one tool");
                if (!m) return 1;
                char *out = NULL;
                expect(m->invoke("\(tool)", "{\\"name\\":\\"Ada\\"}", NULL, &out) == KFMCP_OK, "invoke succeeds");
                expect(out && strstr(out, "Hello, Ada!"), "the greeting names Ada");
                m->free_result(out);
                out = NULL;
                expect(m->invoke("\(tool)", "{\\"name\\":\\"\\"}", NULL, &out) == KFMCP_OK, "a tool error is an answer");
                expect(out && strstr(out, "\\"field\\":\\"name\\""), "the error names the field");
                m->free_result(out);
                expect(m->invoke("no_such_tool", "{}", NULL, &out) == KFMCP_ERR_UNKNOWN, "an unknown tool is ERR_UNKNOWN");
                kfmcp_host_v1 old = {.struct_size = 8, .abi_major = KFMCP_ABI_MAJOR};
                expect(kfmcp_plugin_entry_v1(&old) == NULL, "a too-small host is refused");
                if (!failures) printf("ok\\n");
                return failures != 0;
            }

            """),
        ]
    }

    func rust() throws -> [(String, String)] {
        let bindings = repo + "/examples/rust-plugin/src/"
        return [
            ("Cargo.toml", """
            # The kubeflow-mcp plugin '\(id)'. No dependencies: builds offline.
            [package]
            name = "\(crate)"
            version = "0.1.0"
            edition = "2021"
            publish = false

            [lib]
            crate-type = ["cdylib", "rlib"]

            [dependencies]

            """),
            ("src/abi.rs", try String(contentsOfFile: bindings + "abi.rs", encoding: .utf8)),
            ("src/json.rs", try String(contentsOfFile: bindings + "json.rs", encoding: .utf8)),
            ("src/lib.rs", """
            //! The kubeflow-mcp plugin '\(id)': one tool, `\(tool)`. Bindings in src/abi.rs
            //! (from kfmcp_plugin.h), a small JSON reader in src/json.rs.
            mod abi;
            pub mod json;

            use abi::*;
            use std::ffi::{CStr, CString};
            use std::os::raw::c_char;
            use std::panic::catch_unwind;
            use std::sync::OnceLock;

            macro_rules! c {
                ($s:expr) => {
                    concat!($s, "\\0").as_ptr() as *const c_char
                };
            }

            /// {"name": string} → the answer JSON (a result, or an error naming the field).
            pub fn hello(args: &json::Value) -> String {
                match args.get("name").and_then(json::Value::as_str) {
                    Some(name) if !name.is_empty() => {
                        let text = json::quote(&format!("Hello, {name}!"));
                        format!("{{\\"result\\":{{\\"greeting\\":{text}}},\\"text\\":{text}}}")
                    }
                    _ => r#"{"error":{"message":"name is empty; pass who to greet.","field":"name"}}"#.to_string(),
                }
            }

            /// [call] [any thread]
            unsafe extern "C" fn invoke(tool: *const c_char, json_in: *const c_char, _call: *mut kfmcp_call, out: Out) -> i32 {
                let run = || {
                    let tool = unsafe { CStr::from_ptr(tool) }.to_str().unwrap_or("");
                    let input = unsafe { CStr::from_ptr(json_in) }.to_str().unwrap_or("");
                    let Ok(args) = json::parse(input) else { return Err(KFMCP_ERR_BAD_INPUT) };
                    match tool {
                        "\(tool)" => Ok(hello(&args)),
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
                    drop(unsafe { CString::from_raw(p) });
                }
            }

            struct Manifest(kfmcp_manifest_v1, Box<[kfmcp_tool_v1]>);
            unsafe impl Sync for Manifest {}
            unsafe impl Send for Manifest {}
            static MANIFEST: OnceLock<Manifest> = OnceLock::new();

            /// [entry] [once] The one exported symbol (kfmcp_plugin.h).
            #[no_mangle]
            pub unsafe extern "C" fn kfmcp_plugin_entry_v1(host: *const kfmcp_host_v1) -> *const kfmcp_manifest_v1 {
                if host.is_null() || unsafe { (*host).struct_size } < KFMCP_HOST_V1_0_SIZE || unsafe { (*host).abi_major } != KFMCP_ABI_MAJOR {
                    return std::ptr::null();
                }
                let manifest = MANIFEST.get_or_init(|| {
                    let tools: Box<[kfmcp_tool_v1]> = Box::new([kfmcp_tool_v1 {
                        struct_size: std::mem::size_of::<kfmcp_tool_v1>() as u32,
                        risk: KFMCP_RISK_READ_ONLY,
                        flags: KFMCP_TOOL_IDEMPOTENT,
                        reserved0: 0,
                        name: c!("\(tool)"),
                        title: c!("Hello"),
                        description: c!("Greets name. Replace it with your tool."),
                        category: c!("discovery"),
                        input_schema: c!(r#"{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}"#),
                        output_schema: std::ptr::null(),
                    }]);
                    Manifest(kfmcp_manifest_v1 {
                        struct_size: std::mem::size_of::<kfmcp_manifest_v1>() as u32,
                        abi_major: KFMCP_ABI_MAJOR,
                        abi_minor: KFMCP_ABI_MINOR,
                        plugin_id: c!("\(id)"),
                        plugin_version: c!("0.1.0"),
                        built_with: c!("rustc"),
                        description: c!("TODO: what the \(id) tools do."),
                        tools: tools.as_ptr(),
                        tool_count: tools.len() as u32,
                        backend_count: 0,
                        backends: std::ptr::null(),
                        invoke: Some(invoke),
                        backend_invoke: None,
                        free_result: Some(free_result),
                        shutdown: None,
                        reserved: [std::ptr::null_mut(); 4],
                        instructions: std::ptr::null(),
                        cluster_scoped_reads: std::ptr::null(),
                    }, tools)
                });
                &manifest.0
            }

            #[cfg(test)]
            mod tests {
                use super::*;

                #[test]
                fn greets_and_names_the_field_of_a_bad_argument() {
                    assert!(hello(&json::parse(r#"{"name":"Ada"}"#).unwrap()).contains("Hello, Ada!"));
                    assert!(hello(&json::parse("{}").unwrap()).contains(r#""field":"name""#));
                }
            }

            """),
        ]
    }
}
