import Foundation
import HostBase

/// Where plugins are looked for, in this order (first wins for a given file):
///  1. every `--plugins-dir DIR`, in the order given;
///  2. `KFMCP_PLUGINS_PATH` (colon-separated);
///  3. when run from a checkout: its `plugins.d/`, then the build output directory
///     holding the executable (only `libkfmcp-*.so` there), so a fresh
///     `swift build` is served without copying files;
///  4. `~/.config/kubeflow-mcp/plugins.d` (or `$XDG_CONFIG_HOME/kubeflow-mcp/plugins.d`);
///  5. `/usr/local/lib/kubeflow-mcp/plugins.d`.
/// With `defaults: false` only 1 and 2 are searched (tests, sealed deployments).
public struct PluginSearchPath: Sendable {
    public struct Entry: Sendable, Equatable {
        public var directory: String
        /// When set, only files whose name starts with it are considered
        /// (the build output directory holds more than plugins).
        public var namePrefix: String?
        public var origin: String
    }

    public var entries: [Entry]

    public init(explicit: [String], environment: [String: String], executablePath: String, defaults: Bool = true) {
        var entries: [Entry] = explicit.map { Entry(directory: $0, namePrefix: nil, origin: "--plugins-dir") }
        if let path = environment["KFMCP_PLUGINS_PATH"] {
            for dir in path.split(separator: ":") where !dir.isEmpty {
                entries.append(Entry(directory: String(dir), namePrefix: nil, origin: "KFMCP_PLUGINS_PATH"))
            }
        }
        if defaults {
            let exeDir = (executablePath as NSString).deletingLastPathComponent
            if let checkout = Self.checkoutRoot(startingAt: exeDir) {
                entries.append(Entry(directory: checkout + "/plugins.d", namePrefix: nil, origin: "checkout"))
                entries.append(Entry(directory: exeDir, namePrefix: "libkfmcp-", origin: "build output"))
            }
            entries.append(Entry(directory: Self.userDirectory(environment: environment), namePrefix: nil, origin: "user"))
            entries.append(Entry(directory: Self.systemDirectory, namePrefix: nil, origin: "system"))
        }
        self.entries = entries
    }

    /// Where `plugin install` puts a plugin by default, and `--system` puts it.
    public static func userDirectory(environment: [String: String]) -> String {
        let home = environment["HOME"] ?? NSHomeDirectory()
        return environment["XDG_CONFIG_HOME"].map { $0 + "/kubeflow-mcp/plugins.d" } ?? home + "/.config/kubeflow-mcp/plugins.d"
    }
    public static let systemDirectory = "/usr/local/lib/kubeflow-mcp/plugins.d"

    /// The checkout this executable was built in: the nearest ancestor holding
    /// both Package.swift and plugins.d/.
    public static func checkoutRoot(startingAt directory: String) -> String? {
        var dir = URL(fileURLWithPath: directory).standardizedFileURL
        for _ in 0..<6 {
            let fm = FileManager.default
            if fm.fileExists(atPath: dir.appendingPathComponent("Package.swift").path),
                fm.fileExists(atPath: dir.appendingPathComponent("plugins.d").path)
            {
                return dir.path
            }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { break }
            dir = parent
        }
        return nil
    }
}
