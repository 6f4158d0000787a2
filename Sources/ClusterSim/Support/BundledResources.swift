import Foundation

/// Files shipped in `Sources/ClusterSim/Resources` (schemas, runtimes, the default seed).
enum BundledResources {
    struct Missing: Error, CustomStringConvertible {
        let path: String
        var description: String { "cluster simulator resource not found: \(path)" }
    }

    static func url(_ path: String) throws -> URL {
        // bundleURL, not resourceURL: on Linux a bundle holding a "Resources" folder reports that folder as resourceURL.
        let url = Bundle.module.bundleURL.appendingPathComponent("Resources").appendingPathComponent(path)
        guard FileManager.default.fileExists(atPath: url.path) else { throw Missing(path: path) }
        return url
    }

    static func data(_ path: String) throws -> Data { try Data(contentsOf: url(path)) }

    static func text(_ path: String) throws -> String { String(decoding: try data(path), as: UTF8.self) }

    /// File names in a resource folder, sorted.
    static func files(in folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url(folder).path).sorted()
    }
}
