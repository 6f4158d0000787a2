import Foundation
import KFJSON

/// Writes `v1 Event` objects the way controllers and the kubelet do.
struct EventRecorder: Sendable {
    let store: ObjectStore

    struct Involved: Sendable {
        let kind: String
        let apiVersion: String
        let name: String
        let namespace: String
        let uid: String
    }

    func record(_ involved: Involved, reason: String, message: String, warning: Bool = false, component: String) {
        let now = Timestamp.now()
        let event: JSON = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": ["name": .string(involved.name + "." + String(UInt64.random(in: 0...UInt64.max), radix: 16)),
                         "namespace": .string(involved.namespace)],
            "involvedObject": ["kind": .string(involved.kind), "apiVersion": .string(involved.apiVersion),
                               "name": .string(involved.name), "namespace": .string(involved.namespace),
                               "uid": .string(involved.uid)],
            "reason": .string(reason), "message": .string(message), "type": .string(warning ? "Warning" : "Normal"),
            "source": ["component": .string(component)], "reportingComponent": .string(component),
            "reportingInstance": "", "firstTimestamp": .string(now), "lastTimestamp": .string(now), "count": 1,
            "eventTime": .null,
        ]
        _ = try? store.create(ResourceCatalog.events, event)
    }
}
