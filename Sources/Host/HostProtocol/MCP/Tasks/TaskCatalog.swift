import HostBase
import HostPlugins
import KFJSON

/// Every loaded plugin's task declarations (manifest mcp_surface_json "tasks"),
/// merged: the first plugin to declare a kind keeps it, as with tool names,
/// and a tool counts only when the plugin that declares it also serves it.
struct TaskCatalog: Sendable {
    private(set) var kinds: [String: TaskSurface.Kind] = [:]
    private(set) var tools: [String: TaskSurface.Tool] = [:]

    init(_ registry: PluginRegistry) {
        for plugin in registry.plugins {
            guard let surface = plugin.tasks else { continue }
            for (key, kind) in surface.kinds where kinds[key] == nil { kinds[key] = kind }
            for (name, tool) in surface.tools where registry.tools[name]?.plugin === plugin
                && kinds[tool.kind] == surface.kinds[tool.kind] {
                tools[name] = tool
            }
        }
    }

    var isEmpty: Bool { tools.isEmpty }

    /// initialize's `tasks` capability: exactly what works (list, cancel, task-augmented tools/call).
    var capability: JSON? {
        isEmpty ? nil : ["list": [:], "cancel": [:], "requests": ["tools": ["call": [:]]]]
    }

    /// A tool's MCP `execution` in tools/list (absent: forbidden).
    func execution(_ tool: String) -> JSON? {
        tools[tool].map { ["taskSupport": .string($0.support)] }
    }

    /// Kinds in a fixed order, for tasks/list paging.
    var orderedKinds: [TaskSurface.Kind] { kinds.values.sorted { $0.key < $1.key } }
}
