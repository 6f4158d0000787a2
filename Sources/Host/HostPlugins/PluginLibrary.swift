import Foundation
import HostBase
import PluginABI

/// dlopen a plugin file and find its entry, the same way in the host and in a
/// `plugin-host` child. Failures are the sentences `plugins list` shows.
enum PluginLibrary {
    static func entry(path: String) -> Result<kfmcp_plugin_entry_v1_fn, ManifestReader.Problem> {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let why = dlerror().map { String(cString: $0) } ?? "unknown error"
            return .failure(.init(message: "dlopen failed: \(why)"))
        }
        // Never dlclose: a Swift or Rust runtime torn down under us crashes later.
        guard let symbol = dlsym(handle, KFMCP_ENTRY_SYMBOL) else {
            for major in 2...9 where dlsym(handle, "kfmcp_plugin_entry_v\(major)") != nil {
                return .failure(.init(message: "plugin built for ABI \(major).x; this host speaks \(KFMCP_ABI_MAJOR).\(KFMCP_ABI_MINOR)"))
            }
            return .failure(.init(message: "no \(KFMCP_ENTRY_SYMBOL) symbol: not a kubeflow-mcp plugin"))
        }
        return .success(unsafeBitCast(symbol, to: kfmcp_plugin_entry_v1_fn.self))
    }

    static let declinedToLoad = "its entry function returned NULL (the plugin declined to load; see its log lines)"
}
