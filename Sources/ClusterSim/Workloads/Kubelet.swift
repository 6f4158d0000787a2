import Foundation
import KFJSON

/// What the kubelet and the Job controller refuse before a container runs, with the
/// reasons and messages a real cluster gives:
/// - a service account that does not exist: the Job controller cannot create the pod
///   (`FailedCreate`, "error looking up service account ...");
/// - a Secret/ConfigMap (or one of its keys) that env or envFrom needs: the container stays
///   Waiting with `CreateContainerConfigError`;
/// - an image from a registry the seed lists as private, without an image pull secret for
///   that registry: `ErrImagePull`, then `ImagePullBackOff`.
struct Kubelet: Sendable {
    let store: ObjectStore
    let privateRegistries: [String]

    enum Problem: Sendable, Equatable {
        case configError(container: String, message: String)
        case imagePull(container: String, image: String, message: String)
    }

    /// nil when the service account exists (`default` always does: the token controller makes it).
    func missingServiceAccount(_ podSpec: JSON, namespace: String) -> String? {
        let name = podSpec["serviceAccountName"]?.string ?? podSpec["serviceAccount"]?.string ?? "default"
        if name.isEmpty || name == "default" { return nil }
        return store.get(ResourceCatalog.serviceAccounts, namespace: namespace, name: name) == nil ? name : nil
    }

    /// The first reason the pod's containers cannot start, nil when they all can.
    func problem(_ pod: JSON) -> Problem? {
        let namespace = pod.namespace
        let spec = pod["spec"] ?? [:]
        let containers = (spec["initContainers"]?.array ?? []) + (spec["containers"]?.array ?? [])
        for c in containers {
            let name = c["name"]?.string ?? ""
            if let image = c["image"]?.string, let message = pullFailure(image, spec: spec, namespace: namespace) {
                return .imagePull(container: name, image: image, message: message)
            }
            if let message = configFailure(c, namespace: namespace) { return .configError(container: name, message: message) }
        }
        return nil
    }

    private func configFailure(_ container: JSON, namespace: String) -> String? {
        for env in container["env"]?.array ?? [] {
            for (field, type, kind) in [("secretKeyRef", ResourceCatalog.secrets, "Secret"),
                                        ("configMapKeyRef", ResourceCatalog.configMaps, "ConfigMap")] {
                guard let ref = env["valueFrom"]?[field], ref["optional"]?.bool != true else { continue }
                let name = ref["name"]?.string ?? "", key = ref["key"]?.string ?? ""
                guard let object = store.get(type, namespace: namespace, name: name)?.object else {
                    return "\(kind.lowercased()) \"\(name)\" not found"
                }
                let keys = Set((object["data"]?.object ?? [:]).keys).union((object["binaryData"]?.object ?? [:]).keys)
                if !keys.contains(key) { return "couldn't find key \(key) in \(kind) \(namespace)/\(name)" }
            }
        }
        for source in container["envFrom"]?.array ?? [] {
            for (field, type, kind) in [("secretRef", ResourceCatalog.secrets, "secret"),
                                        ("configMapRef", ResourceCatalog.configMaps, "configmap")] {
                guard let ref = source[field], ref["optional"]?.bool != true else { continue }
                let name = ref["name"]?.string ?? ""
                if store.get(type, namespace: namespace, name: name) == nil { return "\(kind) \"\(name)\" not found" }
            }
        }
        return nil
    }

    /// Registry host of an image reference: the first path part when it looks like a host.
    static func registry(of image: String) -> String {
        let first = image.split(separator: "/", maxSplits: 1).first.map(String.init) ?? image
        let isHost = image.contains("/") && (first.contains(".") || first.contains(":") || first == "localhost")
        return isHost ? first : "docker.io"
    }

    private func pullFailure(_ image: String, spec: JSON, namespace: String) -> String? {
        let registry = Kubelet.registry(of: image)
        guard privateRegistries.contains(registry) else { return nil }
        for ref in spec["imagePullSecrets"]?.array ?? [] {
            guard let name = ref["name"]?.string,
                  let secret = store.get(ResourceCatalog.secrets, namespace: namespace, name: name)?.object else { continue }
            let data = secret["data"]?[".dockerconfigjson"]?.string ?? secret["data"]?[".dockercfg"]?.string ?? ""
            let decoded = Data(base64Encoded: data).flatMap { String(data: $0, encoding: .utf8) } ?? ""
            if decoded.contains(registry) { return nil }
        }
        return "failed to pull and unpack image \"\(image)\": failed to resolve reference \"\(image)\": pull access "
            + "denied, repository does not exist or may require authorization: authorization failed: no basic auth "
            + "credentials"
    }
}
