import Foundation
import HostBase
import KFJSON
import PluginABI

/// A manifest's contents copied out of the plugin's memory, before any check:
/// what ManifestReader judges, whether the plugin runs in this process or in a
/// child (which sends it over the pipe as JSON).
struct RawManifest: Sendable {
    struct Tool: Sendable {
        var name, title, description, category, inputSchema, outputSchema: String?
        var risk: UInt32
        var flags: UInt32
    }

    struct Backend: Sendable {
        var id, title, version, capabilities: String?
    }

    var pluginID: String?
    var version: String?
    var builtWith: String?
    var abiMajor: Int
    var abiMinor: Int
    var tools: [Tool]
    var backends: [Backend]
    /// ABI 1.1 (appended): text for the model, and the JSON text of the
    /// cluster-scoped reads; nil when the writer's struct ends before them.
    var instructions: String?
    var clusterScopedReads: String?
    /// ABI 1.2 (appended): the JSON text of mcp_surface_json.
    var mcpSurface: String?

    /// Copy a C manifest. Only layout problems are found here (struct sizes,
    /// ABI major, missing functions and arrays); everything else is judged later.
    static func copy(_ manifest: UnsafePointer<kfmcp_manifest_v1>) -> Result<RawManifest, ManifestReader.Problem> {
        typealias Problem = ManifestReader.Problem
        let string = ManifestReader.string
        // struct_size first: fields past it must not be read. Compared with the
        // frozen 1.0 size, never sizeof (which grows when a field is appended).
        let m = ABIStruct(manifest)
        let size = m.size
        let minimum = Int(KFMCP_MANIFEST_V1_0_SIZE)
        guard size >= minimum else {
            return .failure(Problem(message: "manifest struct_size is \(size) bytes, smaller than ABI 1.0's \(minimum)"))
        }
        let id = string(m.plugin_id)
        guard Int(m.abi_major) == Int(KFMCP_ABI_MAJOR) else {
            return .failure(Problem(message: "plugin built for ABI \(m.abi_major).\(m.abi_minor); this host speaks \(KFMCP_ABI_MAJOR).\(KFMCP_ABI_MINOR)",
                                    pluginID: id))
        }
        let named = "plugin '\(id ?? "?")'"
        guard m.invoke != nil, m.free_result != nil else {
            return .failure(Problem(message: "\(named) has no invoke or free_result function", pluginID: id))
        }
        if m.tool_count > 0 && m.tools == nil {
            return .failure(Problem(message: "\(named) declares \(m.tool_count) tools but no tool array", pluginID: id))
        }
        if m.backend_count > 0 && (m.backends == nil || m.backend_invoke == nil) {
            return .failure(Problem(message: "\(named) declares backends but no backend array or backend_invoke", pluginID: id))
        }
        var tools: [Tool] = []
        if m.tool_count > 0, let base = m.tools {
            // Elements may be larger in a later minor: step by the plugin's struct_size.
            let stride = Int(UnsafeRawPointer(base).load(as: UInt32.self))
            guard stride >= Int(KFMCP_TOOL_V1_0_SIZE) else {
                return .failure(Problem(message: "\(named): kfmcp_tool_v1 struct_size \(stride) is smaller than ABI 1.0's \(KFMCP_TOOL_V1_0_SIZE)", pluginID: id))
            }
            for i in 0..<Int(m.tool_count) {
                let t = ABIStruct(UnsafeRawPointer(base).advanced(by: i * stride).assumingMemoryBound(to: kfmcp_tool_v1.self))
                tools.append(Tool(name: string(t.name), title: string(t.title), description: string(t.description),
                                  category: string(t.category), inputSchema: string(t.input_schema),
                                  outputSchema: string(t.output_schema), risk: t.risk, flags: t.flags))
            }
        }
        var backends: [Backend] = []
        if m.backend_count > 0, let base = m.backends {
            let stride = Int(UnsafeRawPointer(base).load(as: UInt32.self))
            guard stride >= Int(KFMCP_BACKEND_V1_0_SIZE) else {
                return .failure(Problem(message: "\(named): kfmcp_backend_v1 struct_size \(stride) is too small", pluginID: id))
            }
            for i in 0..<Int(m.backend_count) {
                let b = ABIStruct(UnsafeRawPointer(base).advanced(by: i * stride).assumingMemoryBound(to: kfmcp_backend_v1.self))
                backends.append(Backend(id: string(b.id), title: string(b.title), version: string(b.version),
                                        capabilities: string(b.capabilities_json)))
            }
        }
        return .success(RawManifest(pluginID: id, version: string(m.plugin_version), builtWith: string(m.built_with),
                                    abiMajor: Int(m.abi_major), abiMinor: Int(m.abi_minor), tools: tools, backends: backends,
                                    instructions: m.appended(\.instructions).flatMap(string),
                                    clusterScopedReads: m.appended(\.cluster_scoped_reads).flatMap(string),
                                    mcpSurface: m.appended(\.mcp_surface_json).flatMap(string)))
    }

    // MARK: Over the pipe of an out-of-process plugin

    var json: JSON {
        func s(_ v: String?) -> JSON { v.map { .string($0) } ?? .null }
        return [
            "plugin_id": s(pluginID), "plugin_version": s(version), "built_with": s(builtWith),
            "abi_major": .int(abiMajor), "abi_minor": .int(abiMinor),
            "tools": .array(tools.map { t in
                ["name": s(t.name), "title": s(t.title), "description": s(t.description), "category": s(t.category),
                 "input_schema": s(t.inputSchema), "output_schema": s(t.outputSchema),
                 "risk": .int(Int(t.risk)), "flags": .int(Int(t.flags))]
            }),
            "backends": .array(backends.map { b in
                ["id": s(b.id), "title": s(b.title), "version": s(b.version), "capabilities_json": s(b.capabilities)]
            }),
            "instructions": s(instructions), "cluster_scoped_reads": s(clusterScopedReads),
            "mcp_surface_json": s(mcpSurface),
        ]
    }

    init(pluginID: String?, version: String?, builtWith: String?, abiMajor: Int, abiMinor: Int, tools: [Tool], backends: [Backend],
         instructions: String? = nil, clusterScopedReads: String? = nil, mcpSurface: String? = nil) {
        self.pluginID = pluginID
        self.version = version
        self.builtWith = builtWith
        self.abiMajor = abiMajor
        self.abiMinor = abiMinor
        self.tools = tools
        self.backends = backends
        self.instructions = instructions
        self.clusterScopedReads = clusterScopedReads
        self.mcpSurface = mcpSurface
    }

    init?(json: JSON) {
        guard let tools = json["tools"]?.array, let backends = json["backends"]?.array,
            let major = json["abi_major"]?.int, let minor = json["abi_minor"]?.int
        else { return nil }
        pluginID = json["plugin_id"]?.string
        version = json["plugin_version"]?.string
        builtWith = json["built_with"]?.string
        instructions = json["instructions"]?.string
        clusterScopedReads = json["cluster_scoped_reads"]?.string
        mcpSurface = json["mcp_surface_json"]?.string
        abiMajor = major
        abiMinor = minor
        self.tools = tools.map { t in
            Tool(name: t["name"]?.string, title: t["title"]?.string, description: t["description"]?.string,
                 category: t["category"]?.string, inputSchema: t["input_schema"]?.string,
                 outputSchema: t["output_schema"]?.string,
                 risk: UInt32(clamping: t["risk"]?.int ?? 0), flags: UInt32(clamping: t["flags"]?.int ?? 0))
        }
        self.backends = backends.map { b in
            Backend(id: b["id"]?.string, title: b["title"]?.string, version: b["version"]?.string,
                    capabilities: b["capabilities_json"]?.string)
        }
    }
}
