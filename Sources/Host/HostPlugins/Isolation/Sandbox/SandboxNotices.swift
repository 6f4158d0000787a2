import Foundation
import HostBase

/// A sandbox layer a plugin-host child could not enter is said once per host
/// process on stderr (every child would say the same); plugins still run.
final class SandboxNotices: @unchecked Sendable {
    static let shared = SandboxNotices()
    private let lock = NSLock()
    private var said = Set<PluginSandbox.Layer>()

    func note(_ report: PluginSandbox.Report, log: Log) {
        for layer in PluginSandbox.Layer.allCases {
            guard let problem = report[layer] else { continue }
            guard lock.withLock({ said.insert(layer).inserted }) else { continue }
            log.warning("plugin sandbox: \(layer.rawValue) does not hold (\(problem)); plugin processes run without it",
                        source: "sandbox")
        }
    }
}
