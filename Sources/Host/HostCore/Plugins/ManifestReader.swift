import Foundation
import KFJSON
import PluginABI

/// Reads and checks a plugin's manifest. Anything wrong refuses the whole
/// plugin with a sentence that names the plugin, the tool and the problem.
enum ManifestReader {
    struct Read {
        var id: String
        var version: String
        var builtWith: String
        var abi: String
        var tools: [ToolSpec]
        var backends: [BackendSpec]
        /// ABI 1.1: text for the model, joined into MCP `instructions`.
        var instructions: String?
        var clusterScopedReads: [String]
        var functions: PluginFunctions
    }

    struct Problem: Error {
        var message: String
        var pluginID: String?
    }

    /// Tool names: [a-z][a-z0-9_]{0,63}. Ids and categories also allow '-'.
    static func isToolName(_ s: String) -> Bool { isName(s, dash: false) }
    static func isID(_ s: String) -> Bool { isName(s, dash: true) }

    private static func isName(_ s: String, dash: Bool) -> Bool {
        let bytes = s.utf8
        guard let first = bytes.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first), bytes.count <= 64 else {
            return false
        }
        return bytes.allSatisfy { b in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
                || b == UInt8(ascii: "_") || (dash && b == UInt8(ascii: "-"))
        }
    }

    static func string(_ p: UnsafePointer<CChar>?) -> String? { p.map { String(cString: $0) } }

    static func read(_ manifest: UnsafePointer<kfmcp_manifest_v1>, registry: PluginRegistry) -> Result<Read, Problem> {
        // struct_size first: fields past it must not be read. Compared with the
        // frozen 1.0 size, never sizeof (which grows when a field is appended).
        let m = ABIStruct(manifest)
        let minimum = Int(KFMCP_MANIFEST_V1_0_SIZE)
        guard m.size >= minimum else {
            return .failure(Problem(message: "manifest struct_size is \(m.size) bytes, smaller than ABI 1.0's \(minimum)"))
        }
        guard Int(m.abi_major) == Int(KFMCP_ABI_MAJOR) else {
            return .failure(Problem(message: "plugin built for ABI \(m.abi_major).\(m.abi_minor); this host speaks \(KFMCP_ABI_MAJOR).\(KFMCP_ABI_MINOR)",
                                    pluginID: string(m.plugin_id)))
        }
        guard let id = string(m.plugin_id), isID(id) else {
            return .failure(Problem(message: "plugin_id \(string(m.plugin_id).map { "'\($0)'" } ?? "NULL") is not [a-z][a-z0-9_-]*"))
        }
        func fail(_ message: String) -> Result<Read, Problem> { .failure(Problem(message: message, pluginID: id)) }
        if let other = registry.plugins.first(where: { $0.id == id }) {
            return fail("plugin id '\(id)' is already loaded from \(other.path)")
        }
        let functions = PluginFunctions(invoke: m.invoke, backendInvoke: m.backend_invoke,
                                        freeResult: m.free_result, shutdown: m.shutdown)
        guard functions.invoke != nil, functions.freeResult != nil else { return fail("plugin '\(id)' has no invoke or free_result function") }
        if m.tool_count > 0 && m.tools == nil { return fail("plugin '\(id)' declares \(m.tool_count) tools but no tool array") }
        if m.backend_count > 0 && (m.backends == nil || m.backend_invoke == nil) {
            return fail("plugin '\(id)' declares backends but no backend array or backend_invoke")
        }

        var tools: [ToolSpec] = []
        if m.tool_count > 0, let base = m.tools {
            // Elements may be larger in a later minor: step by the plugin's struct_size.
            let stride = Int(UnsafeRawPointer(base).load(as: UInt32.self))
            guard stride >= Int(KFMCP_TOOL_V1_0_SIZE) else {
                return fail("plugin '\(id)': kfmcp_tool_v1 struct_size \(stride) is smaller than ABI 1.0's \(KFMCP_TOOL_V1_0_SIZE)")
            }
            for i in 0..<Int(m.tool_count) {
                let t = ABIStruct(UnsafeRawPointer(base).advanced(by: i * stride).assumingMemoryBound(to: kfmcp_tool_v1.self))
                switch tool(t, index: i, pluginID: id) {
                case .failure(let p): return .failure(p)
                case .success(let spec):
                    if tools.contains(where: { $0.name == spec.name }) {
                        return fail("plugin '\(id)' declares tool '\(spec.name)' twice")
                    }
                    if let existing = registry.tools[spec.name] {
                        return fail("duplicate tool name '\(spec.name)': plugin '\(id)' and plugin '\(existing.plugin.id)' (\(existing.plugin.path)) both declare it")
                    }
                    tools.append(spec)
                }
            }
        }

        var backends: [BackendSpec] = []
        if m.backend_count > 0, let base = m.backends {
            let stride = Int(UnsafeRawPointer(base).load(as: UInt32.self))
            guard stride >= Int(KFMCP_BACKEND_V1_0_SIZE) else {
                return fail("plugin '\(id)': kfmcp_backend_v1 struct_size \(stride) is too small")
            }
            for i in 0..<Int(m.backend_count) {
                let b = ABIStruct(UnsafeRawPointer(base).advanced(by: i * stride).assumingMemoryBound(to: kfmcp_backend_v1.self))
                guard let bid = string(b.id), isID(bid) else {
                    return fail("plugin '\(id)': backend #\(i) has an invalid id (want [a-z][a-z0-9_-]*)")
                }
                guard let capsText = string(b.capabilities_json), let caps = try? JSON.parse(capsText), caps.object != nil else {
                    return fail("plugin '\(id)': backend '\(bid)' capabilities_json is not a JSON object")
                }
                if let kind = caps["kind"], kind.string.map(isProviderKind) != true {
                    return fail("plugin '\(id)': provider '\(bid)' has kind \(kind.serialized()); want a string like \"\(BackendSpec.defaultKind)\"")
                }
                if backends.contains(where: { $0.id == bid }) { return fail("plugin '\(id)' declares backend '\(bid)' twice") }
                if let existing = registry.backends[bid] {
                    return fail("duplicate backend id '\(bid)': plugin '\(id)' and plugin '\(existing.plugin.id)' both declare it")
                }
                backends.append(BackendSpec(id: bid, title: string(b.title) ?? bid, version: string(b.version) ?? "0",
                                            capabilities: caps, pluginID: id))
            }
        }

        var clusterReads: [String] = []
        if let text = m.appended(\.cluster_scoped_reads).flatMap(string) {
            guard let list = (try? JSON.parse(text))?.array?.compactMap(\.string),
                list.allSatisfy(ClusterGuard.isDeclarableClusterRead)
            else {
                return fail("plugin '\(id)': cluster_scoped_reads must be a JSON array of \"group/resource\" strings whose group has a '.' and is not a k8s.io group")
            }
            clusterReads = list
        }

        return .success(Read(id: id, version: string(m.plugin_version) ?? "0", builtWith: string(m.built_with) ?? "unknown",
                             abi: "\(m.abi_major).\(m.abi_minor)", tools: tools, backends: backends,
                             instructions: m.appended(\.instructions).flatMap(string), clusterScopedReads: clusterReads, functions: functions))
    }

    /// "kfmcp.provider/<name>/<version>": printable ASCII without spaces, bounded.
    static func isProviderKind(_ s: String) -> Bool {
        s.utf8.count <= 128 && s.split(separator: "/").count >= 2 && s.utf8.allSatisfy { $0 > 32 && $0 < 127 }
    }

    private static func tool(_ t: ABIStruct<kfmcp_tool_v1>, index: Int, pluginID id: String) -> Result<ToolSpec, Problem> {
        func fail(_ message: String) -> Result<ToolSpec, Problem> { .failure(Problem(message: message, pluginID: id)) }
        guard let name = string(t.name) else { return fail("plugin '\(id)': tool #\(index) has no name") }
        guard isToolName(name) else {
            return fail("plugin '\(id)': invalid tool name '\(name)' (want [a-z][a-z0-9_]*, at most 64 characters)")
        }
        guard let risk = ToolRisk(abiValue: t.risk) else {
            return fail("plugin '\(id)': tool '\(name)' has unknown risk \(t.risk) (want 1 read_only, 2 mutating, 3 expensive, 4 destructive)")
        }
        guard let category = string(t.category), isID(category) else {
            return fail("plugin '\(id)': tool '\(name)' has no valid category")
        }
        guard let inputText = string(t.input_schema) else { return fail("plugin '\(id)': tool '\(name)' has no input schema") }
        let input: JSON
        do { input = try JSON.parse(inputText) } catch {
            return fail("plugin '\(id)': tool '\(name)' input schema is not JSON (\(error))")
        }
        if let problem = SchemaValidator.checkToolInputSchema(input) {
            return fail("plugin '\(id)': tool '\(name)' has an invalid input schema: \(problem)")
        }
        var output: JSON?
        if let outputText = string(t.output_schema) {
            guard let parsed = try? JSON.parse(outputText), parsed["type"]?.string == "object",
                SchemaValidator.checkSchema(parsed, path: "#") == nil
            else { return fail("plugin '\(id)': tool '\(name)' has an invalid output schema (want a JSON Schema of type object)") }
            output = parsed
        }
        return .success(ToolSpec(
            name: name, title: string(t.title) ?? name, description: string(t.description) ?? "",
            category: category, risk: risk,
            idempotent: t.flags & UInt32(KFMCP_TOOL_IDEMPOTENT) != 0,
            openWorld: t.flags & UInt32(KFMCP_TOOL_OPEN_WORLD) != 0,
            inputSchema: input, outputSchema: output, pluginID: id))
    }
}
