@_exported import KFJSON
import PluginABI

/// How much harm a tool can do. The host derives MCP annotations and policy from it.
public enum Risk: UInt32, Sendable {
    case readOnly = 1
    case mutating = 2
    case expensive = 3
    case destructive = 4
}

/// What a tool handler returns: the structured result and an optional one-line
/// summary for people (the host shows the JSON when there is none).
public struct ToolOutput: Sendable {
    public var result: JSON
    public var text: String?
    /// During a preview (dry run) of a tool that needs confirmation: what the
    /// real call would do, in one line the person confirms (ABI 1.1 "summary").
    public var summary: String?
    public init(_ result: JSON, text: String? = nil, summary: String? = nil) {
        self.result = result
        self.text = text
        self.summary = summary
    }
}

/// Provider kinds (kfmcp_plugin.h, PROVIDERS): a backend entry's
/// `capabilities["kind"]`; absent means a fine-tuning backend.
public enum ProviderKind {
    public static let fineTuneBackend = KFMCP_PROVIDER_FINETUNE_BACKEND
}

/// A failure a person can act on. Throw it from a handler: the client gets
/// `isError: true` with this message. Name the field and the fix.
public struct ToolError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var field: String?
    public var details: JSON?
    public init(_ message: String, field: String? = nil, details: JSON? = nil) {
        self.message = message
        self.field = field
        self.details = details
    }
    public var description: String { message }
}

/// One tool: data plus a handler. The handler runs on a thread of its own and
/// may block (Kubernetes requests through `call.k8s` are synchronous).
public struct ToolDefinition: Sendable {
    public var name: String
    public var title: String
    public var description: String
    public var category: String
    public var risk: Risk
    public var idempotent: Bool
    public var openWorld: Bool
    public var inputSchema: JSON
    public var outputSchema: JSON?
    public var handler: @Sendable (ToolCall) throws -> ToolOutput

    public init(
        name: String, title: String, description: String, category: String, risk: Risk,
        idempotent: Bool = false, openWorld: Bool = false,
        input: JSON, output: JSON? = nil,
        handler: @escaping @Sendable (ToolCall) throws -> ToolOutput
    ) {
        self.name = name
        self.title = title
        self.description = description
        self.category = category
        self.risk = risk
        self.idempotent = idempotent
        self.openWorld = openWorld
        self.inputSchema = input
        self.outputSchema = output
        self.handler = handler
    }
}

/// A fine-tuning backend and its operations ("build_trainer", "estimate", ...).
public struct BackendDefinition: Sendable {
    public var id: String
    public var title: String
    public var version: String
    public var capabilities: JSON
    public var operations: [String: @Sendable (ToolCall) throws -> JSON]

    public init(id: String, title: String, version: String, capabilities: JSON,
                operations: [String: @Sendable (ToolCall) throws -> JSON]) {
        self.id = id
        self.title = title
        self.version = version
        self.capabilities = capabilities
        self.operations = operations
    }
}

/// Everything a plugin declares. Export it from the library with:
///
///     @_cdecl("kfmcp_plugin_entry_v1")
///     public func entry(_ host: UnsafeRawPointer?) -> UnsafeRawPointer? {
///         myPlugin.export(host: host)
///     }
public struct PluginDefinition: Sendable {
    public var id: String
    public var version: String
    public var description: String
    public var tools: [ToolDefinition]
    public var backends: [BackendDefinition]
    /// Text for the model about these tools (order, first steps); the host
    /// joins every plugin's into MCP `instructions` (ABI 1.1).
    public var instructions: String?
    /// Cluster-scoped "group/resource" the tools read without a namespace
    /// (manifest cluster_scoped_reads): allowed under namespace allowlists.
    public var clusterScopedReads: [String]
    /// Resources, templates, prompts and completions (manifest mcp_surface_json, ABI 1.2).
    public var surface: MCPSurfaceDefinition
    /// Tools clients may run as MCP tasks (ABI 1.2 mcp_surface_json "tasks"); set after init.
    public var tasks: TaskDeclarations?
    public var onLoad: (@Sendable (PluginHost) -> Void)?
    public var onShutdown: (@Sendable () -> Void)?

    public init(id: String, version: String, description: String,
                tools: [ToolDefinition], backends: [BackendDefinition] = [],
                instructions: String? = nil, clusterScopedReads: [String] = [],
                surface: MCPSurfaceDefinition = MCPSurfaceDefinition(),
                onLoad: (@Sendable (PluginHost) -> Void)? = nil,
                onShutdown: (@Sendable () -> Void)? = nil) {
        self.id = id
        self.version = version
        self.description = description
        self.tools = tools
        self.backends = backends
        self.instructions = instructions
        self.clusterScopedReads = clusterScopedReads
        self.surface = surface
        self.onLoad = onLoad
        self.onShutdown = onShutdown
    }
}

// MARK: - Schema helpers: short, readable input schemas.

/// Builders for the JSON Schemas tools declare.
public enum Schema {
    public static func object(_ properties: [String: JSON], required: [String] = [],
                              additionalProperties: Bool = false) -> JSON {
        var schema: JSON = ["type": "object", "properties": .object(properties)]
        if !required.isEmpty { schema["required"] = .array(required.sorted().map { .string($0) }) }
        schema["additionalProperties"] = .bool(additionalProperties)
        return schema
    }
    public static func string(_ description: String, enum values: [String]? = nil, default value: String? = nil) -> JSON {
        var s: JSON = ["type": "string", "description": .string(description)]
        if let values { s["enum"] = .array(values.map { .string($0) }) }
        if let value { s["default"] = .string(value) }
        return s
    }
    /// The `namespace` argument most Kubernetes tools take (optional; a DNS-1123 label).
    public static let namespace: JSON = name("Namespace; default the current context's namespace.", .label)

    /// An argument naming a Kubernetes object of `resource`'s kind: the
    /// pattern and length Kubernetes enforces for its names, so a hostile value
    /// ("../x", "x?dryRun=All", "") is refused before the handler runs. Every
    /// tool uses this (or `namespace`) for names; the host checks them again.
    public static func name(_ description: String, for resource: K8sResource) -> JSON {
        name(description, resource.names)
    }

    public static func name(_ description: String, _ rule: K8sNameRule, default value: String? = nil) -> JSON {
        var s: JSON = ["type": "string", "description": .string("\(description) (\(rule.summary))"),
                       "pattern": .string(rule.pattern), "minLength": 1, "maxLength": .int(rule.maxLength)]
        if let value { s["default"] = .string(value) }
        return s
    }

    public static func integer(_ description: String, minimum: Int? = nil, maximum: Int? = nil, default value: Int? = nil) -> JSON {
        var s: JSON = ["type": "integer", "description": .string(description)]
        if let minimum { s["minimum"] = .int(minimum) }
        if let maximum { s["maximum"] = .int(maximum) }
        if let value { s["default"] = .int(value) }
        return s
    }
    public static func number(_ description: String, minimum: Double? = nil, maximum: Double? = nil) -> JSON {
        var s: JSON = ["type": "number", "description": .string(description)]
        if let minimum { s["minimum"] = .double(minimum) }
        if let maximum { s["maximum"] = .double(maximum) }
        return s
    }
    public static func boolean(_ description: String, default value: Bool? = nil) -> JSON {
        var s: JSON = ["type": "boolean", "description": .string(description)]
        if let value { s["default"] = .bool(value) }
        return s
    }
    public static func array(_ description: String, items: JSON) -> JSON {
        ["type": "array", "description": .string(description), "items": items]
    }
    /// A tool's output schema (MCP `outputSchema`): the keys every result has
    /// (`always`, required) and those some results have (`sometimes`), typed.
    /// Open to other keys: a result may grow fields, and the host rejects a
    /// result that breaks its schema, so declare only what is always true.
    /// A key that may be null is not required: the host reads a null as missing, as in arguments.
    public static func result(always: [String: JSON], sometimes: [String: JSON] = [:]) -> JSON {
        let required = always.filter { !($0.value["type"]?.array?.contains("null") ?? false) }.map(\.key)
        return object(always.merging(sometimes) { a, _ in a }, required: required, additionalProperties: true)
    }
    /// A value of one of these JSON types (`of("string", "null")`), for output schemas.
    public static func of(_ types: String...) -> JSON {
        types.count == 1 ? ["type": .string(types[0])] : ["type": .array(types.map { .string($0) })]
    }
    /// An array of `items` (any values when nil), for output schemas.
    public static func list(_ items: JSON? = nil) -> JSON {
        var s: JSON = ["type": "array"]
        if let items { s["items"] = items }
        return s
    }

    /// A free-form object, e.g. resources_per_node {"gpu": 4, "memory": "64Gi"}.
    public static func map(_ description: String, values: JSON? = nil) -> JSON {
        var s: JSON = ["type": "object", "description": .string(description)]
        if let values { s["additionalProperties"] = values }
        return s
    }
}
