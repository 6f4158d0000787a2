import HostBase
import KFJSON
import PluginABI

/// Checks a plugin's manifest. Anything wrong refuses the whole plugin with a
/// sentence that names the plugin, the tool and the problem — except a name
/// clash, which refuses only the clashing tool or backend.
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
        /// ABI 1.2: resources, templates, prompts and completions, each handled by one of `tools`.
        var surface: MCPSurface
        /// ABI 1.2 mcp_surface_json "tasks" (TaskSurface.swift).
        var tasks: TaskSurface?
        /// Tools and backends refused for a name clash, one sentence each.
        var refused: [String] = []
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

    /// Judge a copied manifest against what is loaded already. A tool or
    /// backend whose name an earlier plugin declared is refused alone (listed
    /// in `refused`, both plugins named): the first to declare a name keeps it.
    /// Anything else wrong refuses the whole plugin.
    static func check(_ m: RawManifest, registry: PluginRegistry) -> Result<Read, Problem> {
        guard let id = m.pluginID, isID(id) else {
            return .failure(Problem(message: "plugin_id \(m.pluginID.map { "'\($0)'" } ?? "NULL") is not [a-z][a-z0-9_-]*"))
        }
        func fail(_ message: String) -> Result<Read, Problem> { .failure(Problem(message: message, pluginID: id)) }
        if let other = registry.plugins.first(where: { $0.id == id }) {
            return fail("plugin id '\(id)' is already loaded from \(other.path)")
        }
        var tools: [ToolSpec] = []
        var refused: [String] = []
        for (i, t) in m.tools.enumerated() {
            switch tool(t, index: i, pluginID: id) {
            case .failure(let p): return .failure(p)
            case .success(let spec):
                if tools.contains(where: { $0.name == spec.name }) {
                    return fail("plugin '\(id)' declares tool '\(spec.name)' twice")
                }
                if let existing = registry.tools[spec.name] {
                    refused.append("duplicate tool name '\(spec.name)': plugin '\(existing.plugin.id)' (\(existing.plugin.path)) declared it first; plugin '\(id)' does not get it")
                    continue
                }
                tools.append(spec)
            }
        }
        var backends: [BackendSpec] = []
        for (i, b) in m.backends.enumerated() {
            guard let bid = b.id, isID(bid) else {
                return fail("plugin '\(id)': backend #\(i) has an invalid id (want [a-z][a-z0-9_-]*)")
            }
            guard let capsText = b.capabilities, let caps = try? JSON.parse(capsText), caps.object != nil else {
                return fail("plugin '\(id)': backend '\(bid)' capabilities_json is not a JSON object")
            }
            if let kind = caps["kind"], kind.string.map(isProviderKind) != true {
                return fail("plugin '\(id)': provider '\(bid)' has kind \(kind.serialized()); want a string like \"\(BackendSpec.defaultKind)\"")
            }
            if backends.contains(where: { $0.id == bid }) { return fail("plugin '\(id)' declares backend '\(bid)' twice") }
            if let existing = registry.backends[bid] {
                refused.append("duplicate backend id '\(bid)': plugin '\(existing.plugin.id)' declared it first; plugin '\(id)' does not get it")
                continue
            }
            backends.append(BackendSpec(id: bid, title: b.title ?? bid, version: b.version ?? "0",
                                        capabilities: caps, pluginID: id))
        }

        var clusterReads: [String] = []
        if let text = m.clusterScopedReads {
            guard let list = (try? JSON.parse(text))?.array?.compactMap(\.string),
                list.allSatisfy(KubeNames.isDeclarableResource)
            else {
                return fail("plugin '\(id)': cluster_scoped_reads must be a JSON array of \"group/resource\" strings whose group has a '.' and is not a k8s.io group")
            }
            clusterReads = list
        }
        let surface: MCPSurface
        switch MCPSurface.parse(m.mcpSurface, pluginID: id, tools: Set(tools.map(\.name))) {
        case .failure(let why): return fail("plugin '\(id)': mcp_surface_json: \(why.message)")
        case .success(let s): surface = s
        }
        let tasks: TaskSurface?
        switch TaskSurface.read(m.mcpSurface, pluginID: id, ownTools: Set(tools.map(\.name))) {
        case .failure(let problem): return .failure(problem)
        case .success(let t): tasks = t
        }
        // Nothing left to serve: refuse the plugin whole, saying why.
        if !refused.isEmpty && tools.isEmpty && backends.isEmpty {
            return fail(refused.joined(separator: "; "))
        }
        return .success(Read(id: id, version: m.version ?? "0", builtWith: m.builtWith ?? "unknown",
                             abi: "\(m.abiMajor).\(m.abiMinor)", tools: tools, backends: backends,
                             instructions: m.instructions.map(Redactor.redact), clusterScopedReads: clusterReads,
                             surface: surface, tasks: tasks, refused: refused))
    }

    /// A schema with the secrets in its string values masked by the text rules (descriptions,
    /// defaults, examples). Not by key: a schema names its secret arguments (`hf_token`) on purpose.
    private static func redactedStrings(_ value: JSON) -> JSON {
        switch value {
        case .string(let s): return .string(Redactor.redact(s))
        case .array(let items): return .array(items.map(redactedStrings))
        case .object(let members): return .object(members.mapValues(redactedStrings))
        default: return value
        }
    }

    /// "kfmcp.provider/<name>/<version>": printable ASCII without spaces, bounded.
    static func isProviderKind(_ s: String) -> Bool {
        s.utf8.count <= 128 && s.split(separator: "/").count >= 2 && s.utf8.allSatisfy { $0 > 32 && $0 < 127 }
    }

    private static func tool(_ t: RawManifest.Tool, index: Int, pluginID id: String) -> Result<ToolSpec, Problem> {
        func fail(_ message: String) -> Result<ToolSpec, Problem> { .failure(Problem(message: message, pluginID: id)) }
        guard let name = t.name else { return fail("plugin '\(id)': tool #\(index) has no name") }
        guard isToolName(name) else {
            return fail("plugin '\(id)': invalid tool name '\(name)' (want [a-z][a-z0-9_]*, at most 64 characters)")
        }
        guard let risk = ToolRisk(abiValue: t.risk) else {
            return fail("plugin '\(id)': tool '\(name)' has unknown risk \(t.risk) (want 1 read_only, 2 mutating, 3 expensive, 4 destructive)")
        }
        guard let category = t.category, isID(category) else {
            return fail("plugin '\(id)': tool '\(name)' has no valid category")
        }
        // A plugin's texts go to every client (tools/list, instructions): through the redactor, once, here.
        guard let inputText = t.inputSchema else { return fail("plugin '\(id)': tool '\(name)' has no input schema") }
        let input: JSON
        do { input = redactedStrings(try JSON.parse(inputText)) } catch {
            return fail("plugin '\(id)': tool '\(name)' input schema is not JSON (\(error))")
        }
        if let problem = SchemaValidator.checkToolInputSchema(input) {
            return fail("plugin '\(id)': tool '\(name)' has an invalid input schema: \(problem)")
        }
        var output: JSON?
        if let outputText = t.outputSchema {
            guard let parsed = (try? JSON.parse(outputText)).map(redactedStrings), parsed["type"]?.string == "object",
                SchemaValidator.checkSchema(parsed, path: "#") == nil
            else { return fail("plugin '\(id)': tool '\(name)' has an invalid output schema (want a JSON Schema of type object)") }
            output = parsed
        }
        return .success(ToolSpec(
            name: name, title: Redactor.redact(t.title ?? name), description: Redactor.redact(t.description ?? ""),
            category: category, risk: risk,
            idempotent: t.flags & UInt32(KFMCP_TOOL_IDEMPOTENT) != 0,
            openWorld: t.flags & UInt32(KFMCP_TOOL_OPEN_WORLD) != 0,
            inputSchema: input, outputSchema: output, pluginID: id))
    }
}
