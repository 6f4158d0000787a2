import Foundation
import PluginABI

/// The host's version, shown by `kubeflow-mcp version`, in MCP serverInfo and to plugins.
public enum KubeflowMCPVersion {
    public static let current = "0.1.0"
    /// `current` as a C string for plugins' host struct (never freed).
    package nonisolated(unsafe) static let cString: UnsafePointer<CChar> = UnsafePointer(strdup(current)!)
}


/// The plugin ABI this host speaks.
public enum PluginABIVersion {
    public static let major = Int(KFMCP_ABI_MAJOR)
    public static let minor = Int(KFMCP_ABI_MINOR)
    public static var description: String { "\(major).\(minor)" }
}
