import Foundation
import KFJSON

/// The Kubeflow Trainer v2.3.0 ClusterTrainingRuntimes, built the way the release
/// manifests build them: the base runtime YAMLs plus the overlay kustomization
/// (image tags set to v2.3.0, label `trainer.kubeflow.org/webhook-validation: disabled`).
enum BuiltinRuntimes {
    static func load() throws -> [JSON] {
        let overlay = try YAMLConversion.document(BundledResources.text("runtimes/overlay-kustomization.yaml"))
        var tags: [String: String] = [:]
        for image in overlay["images"]?.array ?? [] {
            if let name = image["name"]?.string, let tag = image["newTag"]?.string { tags[name] = tag }
        }
        var labels: [String: JSON] = [:]
        for entry in overlay["labels"]?.array ?? [] {
            for (k, v) in entry["pairs"]?.object ?? [:] { labels[k] = v }
        }
        var runtimes: [JSON] = []
        for file in try BundledResources.files(in: "runtimes") where file.hasSuffix(".yaml") && !file.hasPrefix("overlay") {
            for var doc in try YAMLConversion.documents(BundledResources.text("runtimes/" + file)) {
                for (k, v) in labels { doc.set(v, at: ["metadata", "labels", k]) }
                runtimes.append(retag(doc, tags))
            }
        }
        return runtimes
    }

    /// Rewrites every `image: name[:tag]` whose name the overlay lists.
    private static func retag(_ value: JSON, _ tags: [String: String]) -> JSON {
        switch value {
        case .object(var o):
            if let image = o["image"]?.string {
                let name = image.split(separator: ":", maxSplits: 1).first.map(String.init) ?? image
                if let tag = tags[name] { o["image"] = .string(name + ":" + tag) }
            }
            return .object(o.mapValues { retag($0, tags) })
        case .array(let a): return .array(a.map { retag($0, tags) })
        default: return value
        }
    }
}
