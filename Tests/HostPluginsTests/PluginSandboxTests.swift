import Foundation
import Testing
@testable import HostPlugins
@testable import HostBase

/// The parts of the plugin sandbox decided in the host (the child's layers
/// are tested through the binary: Tests/e2e/test_plugin_sandbox.py).
@Suite struct PluginSandboxTests {
    @Test func theChildsEnvironmentIsAnAllowlist() {
        let host = ["PATH": "/usr/bin", "LANG": "C.UTF-8", "LC_ALL": "C", "TZ": "UTC", "HOME": "/root",
                    "AWS_SECRET_ACCESS_KEY": "x", "HF_TOKEN": "hf_x", "KUBECONFIG": "/k", "KUBERNETES_SERVICE_HOST": "10.0.0.1",
                    "LD_PRELOAD": "/tmp/evil.so", "HTTPS_PROXY": "http://p", "KFMCP_POLICY": "/p", "SWIFT_BACKTRACE": "enable=yes"]
        let env = ChildEnvironment.build(from: host)
        #expect(env == ["LANG=C.UTF-8", "LC_ALL=C", "PATH=/usr/bin", "SWIFT_BACKTRACE=enable=no", "TZ=UTC"])
    }

    @Test func limitsComeFromTheHostsEnvironmentOrDefaults() {
        #expect(SandboxLimits.from(environment: [:]) == .defaults)
        let set = SandboxLimits.from(environment: ["KFMCP_PLUGIN_MEMORY_MIB": "512", "KFMCP_PLUGIN_CPU_SECONDS": "0",
                                                   "KFMCP_PLUGIN_OPEN_FILES": "many"])
        #expect(set == SandboxLimits(memoryMiB: 512, cpuSeconds: SandboxLimits.defaults.cpuSeconds,
                                     openFiles: SandboxLimits.defaults.openFiles))
        #expect(SandboxLimits(json: set.json) == set)
    }

    @Test func aReportSurvivesTheChannel() {
        let report: PluginSandbox.Report = [.landlock: "this kernel has no Landlock"]
        let back = PluginSandbox.report(from: PluginSandbox.json(report))
        #expect(back == report)
        // Every layer holds when the child lists no problem; a child that sends no report holds none.
        #expect(PluginSandbox.report(from: [:]).isEmpty)
        #expect(PluginSandbox.report(from: nil).count == PluginSandbox.Layer.allCases.count)
    }

    @Test func doctorNamesEveryLayer() {
        #expect(PluginSandbox.probe().map(\.layer) == PluginSandbox.Layer.allCases)
    }

    @Test func aLayerThatDoesNotHoldIsSaidOnce() {
        let log = Log()
        let lines = LockedLines()
        log.setSink { _, _, line in lines.append(line) }
        let notices = SandboxNotices()
        for _ in 0..<3 { notices.note([.landlock: "this kernel has no Landlock"], log: log) }
        notices.note([:], log: log)
        #expect(lines.all == ["plugin sandbox: landlock does not hold (this kernel has no Landlock); plugin processes run without it"])
    }
}

private final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
