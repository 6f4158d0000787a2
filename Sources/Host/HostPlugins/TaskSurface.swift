import HostBase
import KFJSON

/// The `tasks` key of a plugin's `mcp_surface_json` (docs/mcp-surface.md):
/// which tools a client may run as MCP tasks, and, per kind of Kubernetes
/// object a task follows, which of the plugin's own tools answer for it. The
/// host knows only the object's resource and these tool names; what
/// "working" or "failed" means for the object is the status tool's business.
public struct TaskSurface: Sendable, Equatable {
    /// A kind of object a task is: its resource, and the tools that answer for it.
    public struct Kind: Sendable, Equatable {
        public var key: String
        public var group: String
        public var version: String
        public var resource: String
        /// {"namespace", <nameArgument>} → {"status": working|completed|failed|cancelled, "message"?, "progress"?}.
        public var statusTool: String
        /// What tasks/result returns once the task is terminal (called with the same arguments).
        public var resultTool: String
        /// What tasks/cancel calls (with the same arguments), through confirmation and policy.
        public var cancelTool: String
        /// The argument (and result field) that names the object: "job_id", "name".
        public var nameArgument: String
    }

    /// A tool a client may call as a task.
    public struct Tool: Sendable, Equatable {
        public enum Start: String, Sendable { case result, arguments }
        public var name: String
        public var kind: String
        /// "optional" or "required" (MCP execution.taskSupport).
        public var support: String
        /// `result`: the call creates the object and its result names it (namespace, nameArgument);
        /// `arguments`: the task follows the object the arguments name, the tool itself is not run.
        public var start: Start
    }

    public var kinds: [String: Kind]
    public var tools: [String: Tool]

    /// Parses the `tasks` value; a problem is a sentence naming the field. `ownTools`: the plugin's tool names.
    static func parse(_ value: JSON, ownTools: Set<String>) -> Result<TaskSurface, ManifestReader.Problem> {
        func fail(_ message: String) -> Result<TaskSurface, ManifestReader.Problem> {
            .failure(ManifestReader.Problem(message: "mcp_surface_json \"tasks\": \(message)"))
        }
        guard let kindsJSON = value["kinds"]?.object, let toolsJSON = value["tools"]?.object else {
            return fail("want an object with \"kinds\" and \"tools\" objects")
        }
        var kinds: [String: Kind] = [:]
        for (key, k) in kindsJSON {
            guard ManifestReader.isID(key) else { return fail("kind '\(key)' is not [a-z][a-z0-9_-]*") }
            guard let group = k["group"]?.string, let version = k["version"]?.string, let resource = k["resource"]?.string,
                  group.contains("."), KubeNames.versionProblem(version) == nil, KubeNames.identifierProblem(resource) == nil
            else { return fail("kind '\(key)' needs \"group\" (with a '.'), \"version\" and \"resource\" (plural, lower-case)") }
            var named: [String: String] = [:]
            for field in ["status_tool", "result_tool", "cancel_tool"] {
                guard let tool = k[field]?.string, ownTools.contains(tool) else {
                    return fail("kind '\(key)' field \"\(field)\" must name one of this plugin's own tools")
                }
                named[field] = tool
            }
            let nameArgument = k["name_argument"]?.string ?? "name"
            guard ManifestReader.isToolName(nameArgument) else { return fail("kind '\(key)' has an invalid \"name_argument\"") }
            kinds[key] = Kind(key: key, group: group, version: version, resource: resource,
                              statusTool: named["status_tool"]!, resultTool: named["result_tool"]!,
                              cancelTool: named["cancel_tool"]!, nameArgument: nameArgument)
        }
        var tools: [String: Tool] = [:]
        for (name, t) in toolsJSON {
            guard ownTools.contains(name) else { return fail("tool '\(name)' is not one of this plugin's tools") }
            guard let kind = t["kind"]?.string, kinds[kind] != nil else { return fail("tool '\(name)' names no declared \"kind\"") }
            let support = t["task_support"]?.string ?? "optional"
            guard ["optional", "required"].contains(support) else {
                return fail("tool '\(name)' \"task_support\" must be \"optional\" or \"required\"")
            }
            guard let start = Tool.Start(rawValue: t["start"]?.string ?? "result") else {
                return fail("tool '\(name)' \"start\" must be \"result\" or \"arguments\"")
            }
            tools[name] = Tool(name: name, kind: kind, support: support, start: start)
        }
        return .success(TaskSurface(kinds: kinds, tools: tools))
    }
}

extension TaskSurface {
    /// The `tasks` key of a manifest's mcp_surface_json text (nil: no text or no key).
    static func read(_ surfaceText: String?, pluginID: String, ownTools: Set<String>) -> Result<TaskSurface?, ManifestReader.Problem> {
        guard let surfaceText else { return .success(nil) }
        guard let surface = try? JSON.parse(surfaceText), surface.object != nil else {
            return .failure(ManifestReader.Problem(message: "plugin '\(pluginID)': mcp_surface_json is not a JSON object", pluginID: pluginID))
        }
        guard let tasks = surface["tasks"] else { return .success(nil) }
        return parse(tasks, ownTools: ownTools)
            .map { Optional($0) }
            .mapError { ManifestReader.Problem(message: "plugin '\(pluginID)': \($0.message)", pluginID: pluginID) }
    }
}
