// Shared by the plugin test targets: SDK goldens and a type-exact JSON diff.
import Foundation
import KFJSON

/// The recorded Kubeflow SDK 0.5.0 requests (copied from the public Kubeflow SDK run).
public enum Goldens {
    public static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/sdk-reference")

    public static func load(_ name: String) throws -> JSON {
        let text = try String(contentsOf: directory.appendingPathComponent(name + ".json"), encoding: .utf8)
        return try JSON.parse(text)
    }

    /// The TrainJob POST body exactly as the SDK put it on the wire (raw_body keeps 4.0 a float).
    public static func postBody(_ name: String) throws -> JSON {
        let golden = try load(name)
        let post = golden["requests"]!.array!.first { $0["method"]?.string == "POST" }!
        return try JSON.parse(post["raw_body"]!.string!)
    }
}

/// The first place two JSON values differ, structurally and type for type
/// (4 and 4.0 differ). nil when equal.
public func firstDifference(_ a: JSON, _ b: JSON, path: String = "$") -> String? {
    switch (a, b) {
    case (.object(let x), .object(let y)):
        for key in Set(x.keys).union(y.keys).sorted() {
            guard let xv = x[key] else { return "\(path).\(key): missing on the left" }
            guard let yv = y[key] else { return "\(path).\(key): missing on the right" }
            if let d = firstDifference(xv, yv, path: "\(path).\(key)") { return d }
        }
        return nil
    case (.array(let x), .array(let y)):
        if x.count != y.count { return "\(path): \(x.count) items vs \(y.count)" }
        for (i, (xv, yv)) in zip(x, y).enumerated() {
            if let d = firstDifference(xv, yv, path: "\(path)[\(i)]") { return d }
        }
        return nil
    default:
        if a.typeName != b.typeName { return "\(path): \(a.typeName) \(a) vs \(b.typeName) \(b)" }
        return a == b ? nil : "\(path): \(a) vs \(b)"
    }
}

