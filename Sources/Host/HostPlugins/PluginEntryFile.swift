import Foundation
import HostBase
import KFJSON
import KFYAML

/// A plugins.d YAML entry: names a library and gives it settings.
///
///     library: libkfmcp-example.so   # absolute, relative to this file, or a file name
///     enabled: true                  # false: never load that library, wherever it is found
///     config:                        # handed to the plugin by host->plugin_config()
///       default_runtime: torch-distributed
///     isolation: process             # or in-process; default: in-process for the host's
///                                    # own plugins, process for every other file
struct PluginEntryFile {
    var library: String
    var enabled: Bool
    var config: JSON
    var isolation: PluginIsolation?
    /// Set when `library` is a path that exists (absolute or relative to the entry).
    var resolvedLibraryPath: String?

    struct Problem: Error { var message: String }

    static func read(path: String) -> Result<PluginEntryFile, Problem> {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            return .failure(Problem(message: "cannot read plugin entry \(path)"))
        }
        let node: YAMLNode?
        do { node = try YAMLReader.compose(text) } catch {
            return .failure(Problem(message: "plugin entry \(path) is not valid YAML: \(error)"))
        }
        guard let map = node?.mapping else {
            return .failure(Problem(message: "plugin entry \(path) must be a mapping with a 'library' key"))
        }
        let known: Set<String> = ["library", "enabled", "config", "isolation"]
        if let unknown = map.compactMap({ $0.key.string }).sorted().first(where: { !known.contains($0) }) {
            return .failure(Problem(message: "plugin entry \(path): unknown key '\(unknown)' (expected library, enabled, config, isolation)"))
        }
        var isolation: PluginIsolation?
        if let i = map["isolation"] {
            guard i.type == .str, let value = i.string.flatMap(PluginIsolation.init(rawValue:)) else {
                return .failure(Problem(message: "plugin entry \(path): 'isolation' must be process or in-process"))
            }
            isolation = value
        }
        guard let library = map["library"], library.type == .str, let library = library.string, !library.isEmpty else {
            return .failure(Problem(message: "plugin entry \(path) has no 'library'"))
        }
        var enabled = true
        if let e = map["enabled"] {
            guard e.type == .bool, let b = e.bool else { return .failure(Problem(message: "plugin entry \(path): 'enabled' must be true or false")) }
            enabled = b
        }
        let config = map["config"]?.json ?? [:]
        guard config.object != nil else {
            return .failure(Problem(message: "plugin entry \(path): 'config' must be a mapping"))
        }
        let dir = (path as NSString).deletingLastPathComponent
        let candidate = library.hasPrefix("/") ? library : dir + "/" + library
        let resolved = library.contains("/") && FileManager.default.fileExists(atPath: candidate) ? candidate : nil
        return .success(PluginEntryFile(library: library, enabled: enabled, config: config, isolation: isolation,
                                        resolvedLibraryPath: resolved))
    }
}
