import PluginKit

/// A reference to one key of a Secret in the TrainJob's namespace.
struct SecretKeyRef: Equatable, Sendable {
    var name: String
    var key: String
}

/// One container environment variable: a literal value, or a value read from a
/// Secret. Secrets are never inlined in a TrainJob we create (the SDK inlines
/// them; this is one of our two deliberate differences).
struct EnvVar: Equatable, Sendable {
    enum Source: Equatable, Sendable {
        case value(String)
        case secret(SecretKeyRef)
    }
    var name: String
    var source: Source

    static func value(_ name: String, _ value: String) -> EnvVar { EnvVar(name: name, source: .value(value)) }
    static func secret(_ name: String, _ ref: SecretKeyRef) -> EnvVar { EnvVar(name: name, source: .secret(ref)) }

    var json: JSON {
        switch source {
        case .value(let v):
            return ["name": .string(name), "value": .string(v)]
        case .secret(let ref):
            return ["name": .string(name),
                    "valueFrom": ["secretKeyRef": ["name": .string(ref.name), "key": .string(ref.key)]]]
        }
    }

}
