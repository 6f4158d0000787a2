import HostBase
import KFJSON

/// What `plugins list` shows for one file: loaded, refused (with the reason), or
/// disabled by a plugins.d YAML entry. A loaded plugin may have a reason too:
/// the tools or backends refused for a name clash.
public struct PluginRecord: Sendable {
    public enum Status: String, Sendable { case loaded, refused, disabled }

    public var path: String
    public var origin: String
    public var status: Status
    public var reason: String?
    public var pluginID: String?
    public var version: String?
    public var builtWith: String?
    public var abi: String?
    /// "in-process" or "process" (a plugin-host child).
    public var isolation: String?
    /// For a plugin-host child: the sandbox layers that hold in it (PluginSandbox.Layer names).
    public var sandbox: [String]?
    /// What waits for a reload or restart: a new file refused (the running version stays), or in-process code changed on disk.
    public var pending: String?
    public var tools: [String] = []
    public var backends: [String] = []

    public var json: JSON {
        var o: [String: JSON] = [
            "path": .string(path), "origin": .string(origin), "status": .string(status.rawValue),
            "tools": .array(tools.map { .string($0) }), "backends": .array(backends.map { .string($0) }),
        ]
        o["reason"] = reason.map { .string($0) } ?? .null
        o["id"] = pluginID.map { .string($0) } ?? .null
        o["version"] = version.map { .string($0) } ?? .null
        o["built_with"] = builtWith.map { .string($0) } ?? .null
        o["abi"] = abi.map { .string($0) } ?? .null
        o["isolation"] = isolation.map { .string($0) } ?? .null
        o["pending"] = pending.map { .string($0) } ?? .null
        o["sandbox"] = sandbox.map { .array($0.map { .string($0) }) } ?? .null
        return .object(o)
    }
}
