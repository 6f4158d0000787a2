import KFJSON
import PluginABI

/// A tool's risk, as the ABI's closed set.
public enum ToolRisk: String, Sendable, CaseIterable, Comparable {
    case readOnly = "read_only"
    case mutating = "mutating"
    case expensive = "expensive"
    case destructive = "destructive"

    package init?(abiValue: UInt32) {
        switch abiValue {
        case UInt32(KFMCP_RISK_READ_ONLY): self = .readOnly
        case UInt32(KFMCP_RISK_MUTATING): self = .mutating
        case UInt32(KFMCP_RISK_EXPENSIVE): self = .expensive
        case UInt32(KFMCP_RISK_DESTRUCTIVE): self = .destructive
        default: return nil
        }
    }

    /// In declaration order: a tool may do what a lower risk does, never what a higher one does.
    public static func < (a: ToolRisk, b: ToolRisk) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One tool as the host knows it, copied out of a plugin's manifest.
public struct ToolSpec: Sendable {
    public var name: String
    public var title: String
    public var description: String
    public var category: String
    public var risk: ToolRisk
    public var idempotent: Bool
    public var openWorld: Bool
    public var inputSchema: JSON
    public var outputSchema: JSON?
    public var pluginID: String

    package init(name: String, title: String, description: String, category: String, risk: ToolRisk, idempotent: Bool,
                 openWorld: Bool, inputSchema: JSON, outputSchema: JSON?, pluginID: String) {
        (self.name, self.title, self.description, self.category, self.risk) = (name, title, description, category, risk)
        (self.idempotent, self.openWorld, self.inputSchema, self.outputSchema, self.pluginID) =
            (idempotent, openWorld, inputSchema, outputSchema, pluginID)
    }

    /// MCP annotations derived from risk and flags (the ABI has no other source).
    public var annotations: (readOnly: Bool, destructive: Bool, idempotent: Bool, openWorld: Bool) {
        (readOnly: risk == .readOnly,
         destructive: risk == .destructive,
         idempotent: risk == .readOnly || idempotent,
         openWorld: openWorld)
    }

    public var json: JSON {
        var o: [String: JSON] = [
            "name": .string(name), "title": .string(title), "description": .string(description),
            "category": .string(category), "risk": .string(risk.rawValue), "plugin": .string(pluginID),
            "idempotent": .bool(idempotent), "open_world": .bool(openWorld), "input_schema": inputSchema,
        ]
        if let outputSchema { o["output_schema"] = outputSchema }
        return .object(o)
    }

    /// The boolean argument this read-only tool marks `"x-kfmcp-doctor": true`:
    /// set, the tool reports what its plugin needs from the cluster as `checks`
    /// (see the header), which `kubeflow-mcp doctor` prints. nil: not a doctor check.
    public var doctorArgument: String? {
        guard risk == .readOnly else { return nil }
        return (inputSchema["properties"]?.object ?? [:])
            .filter { $0.value["x-kfmcp-doctor"] == .bool(true) && $0.value["type"] == "boolean" }.keys.sorted().first
    }
}

/// One fine-tuning backend as the host knows it.
public struct BackendSpec: Sendable {
    public var id: String
    public var title: String
    public var version: String
    public var capabilities: JSON
    public var pluginID: String

    package init(id: String, title: String, version: String, capabilities: JSON, pluginID: String) {
        (self.id, self.title, self.version, self.capabilities, self.pluginID) = (id, title, version, capabilities, pluginID)
    }

    /// The kind of provider: capabilities' "kind", else the kind every ABI 1.0
    /// backend is (see PROVIDERS in the header). The host only routes by id.
    public static let defaultKind = KFMCP_PROVIDER_FINETUNE_BACKEND
    public var kind: String { capabilities["kind"]?.string ?? Self.defaultKind }

    public var json: JSON {
        ["id": .string(id), "kind": .string(kind), "title": .string(title), "version": .string(version),
         "plugin": .string(pluginID), "capabilities": capabilities]
    }
}
