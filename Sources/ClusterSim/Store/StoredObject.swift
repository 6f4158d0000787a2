import KFJSON

/// An object as kept in the store, with its JSON text cached: LIST of thousands of
/// objects then only joins strings instead of re-serializing every object.
struct StoredObject: Sendable {
    let object: JSON
    let text: String
    let key: String
    let labels: [String: String]
    let revision: Int

    init(_ object: JSON, revision: Int) {
        self.object = object
        self.text = object.serialized()
        self.key = StoredObject.key(namespace: object.namespace, name: object.name)
        self.labels = object.labels
        self.revision = revision
    }

    static func key(namespace: String?, name: String) -> String {
        guard let namespace, !namespace.isEmpty else { return name }
        return namespace + "/" + name
    }
}

enum WatchEventType: String, Sendable {
    case added = "ADDED"
    case modified = "MODIFIED"
    case deleted = "DELETED"
}

/// One change to one object, as fanned out to watchers.
struct WatchEvent: Sendable {
    let type: WatchEventType
    let storeKey: String
    let object: StoredObject

    /// The newline-terminated line a `watch=true` stream carries.
    var line: String { "{\"object\":" + object.text + ",\"type\":\"" + type.rawValue + "\"}\n" }
}
