@_exported import TestSupport
import KFJSON

/// Replaces env entries named `name` in an env array with a secretKeyRef: our
/// deliberate difference from the SDK, which inlines secrets.
func replacingSecretEnv(_ env: JSON, _ refs: [String: (String, String)]) -> JSON {
    .array((env.array ?? []).map { item in
        guard let name = item["name"]?.string, let (secret, key) = refs[name] else { return item }
        return ["name": .string(name), "valueFrom": ["secretKeyRef": ["name": .string(secret), "key": .string(key)]]]
    })
}
