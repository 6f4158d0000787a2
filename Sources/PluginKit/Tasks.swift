/// What a plugin lets clients run as MCP tasks (mcp_surface_json "tasks",
/// docs/mcp-surface.md): a task follows one Kubernetes object, so its state is
/// the object in the cluster and any server process on that cluster can
/// answer for it. The host reads the object only to check who owns it; the
/// plugin's own tools say what its status is, what the result is, and how to
/// cancel it.
public struct TaskDeclarations: Sendable {
    /// A kind of object tasks follow, and the plugin's tools that answer for it.
    public struct Kind: Sendable {
        public var key: String
        public var resource: K8sResource
        /// Called with {"namespace", nameArgument}; returns {"status": "working" | "completed" | "failed"
        /// | "cancelled", "message"?: String, "progress"?: fraction 0…1}.
        public var statusTool: String
        /// What tasks/result returns once the task ended (same arguments).
        public var resultTool: String
        /// What tasks/cancel calls (same arguments), with the user's confirmation when policy asks for it.
        public var cancelTool: String
        /// The argument, and the field of a starting tool's result, that names the object.
        public var nameArgument: String

        public init(key: String, resource: K8sResource, statusTool: String, resultTool: String, cancelTool: String,
                    nameArgument: String = "name") {
            self.key = key
            self.resource = resource
            self.statusTool = statusTool
            self.resultTool = resultTool
            self.cancelTool = cancelTool
            self.nameArgument = nameArgument
        }
    }

    /// A tool a client may call with `params.task`.
    public struct Tool: Sendable {
        public enum Start: String, Sendable {
            /// The tool runs (confirmation first) and its result names the object it created.
            case result
            /// The tool is not run: the task follows the object its arguments name (a wait).
            case arguments
        }
        public var name: String
        public var kind: String
        public var start: Start
        /// MCP execution.taskSupport: "optional" or "required".
        public var required: Bool

        public init(_ name: String, kind: String, start: Start = .result, required: Bool = false) {
            self.name = name
            self.kind = kind
            self.start = start
            self.required = required
        }
    }

    public var kinds: [Kind]
    public var tools: [Tool]

    public init(kinds: [Kind], tools: [Tool]) {
        self.kinds = kinds
        self.tools = tools
    }

    /// The value of the manifest's "tasks" key.
    public var json: JSON {
        var kindsJSON: [String: JSON] = [:]
        for k in kinds {
            kindsJSON[k.key] = ["group": .string(k.resource.group), "version": .string(k.resource.version),
                                "resource": .string(k.resource.resource), "status_tool": .string(k.statusTool),
                                "result_tool": .string(k.resultTool), "cancel_tool": .string(k.cancelTool),
                                "name_argument": .string(k.nameArgument)]
        }
        var toolsJSON: [String: JSON] = [:]
        for t in tools {
            toolsJSON[t.name] = ["kind": .string(t.kind), "start": .string(t.start.rawValue),
                                 "task_support": .string(t.required ? "required" : "optional")]
        }
        return ["kinds": .object(kindsJSON), "tools": .object(toolsJSON)]
    }
}

/// The manifest's mcp_surface_json text, or nil when the plugin adds nothing beyond tools.
func mcpSurfaceJSON(_ d: PluginDefinition) -> String? {
    var surface = d.surface.json.object ?? [:]
    if let tasks = d.tasks { surface["tasks"] = tasks.json }
    return surface.isEmpty ? nil : JSON.object(surface).serialized()
}
