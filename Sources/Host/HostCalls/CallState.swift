import Foundation
import HostBase
import HostKubeGate
import HostPlugins
import KFJSON

/// The host's side of one in-flight call: what `kfmcp_call *` points at.
/// Plugins see it only as an opaque pointer valid during invoke.
public final class CallState: PluginCall, @unchecked Sendable {
    public let tool: String
    public let pluginID: String
    /// The tool's declaration, for per-tool policy (ownership) in host services.
    let spec: ToolSpec?
    /// A preview run: writing requests go to the API server with dryRun=All
    /// (validated, never persisted) and are recorded for the user to confirm.
    let dryRun: Bool
    /// Receives progress reports (fraction in [0,1] or negative, message).
    package let progressSink: (@Sendable (Double, String) -> Void)?
    /// The call this one runs inside (a tool calling another tool); cancelling
    /// the outer call cancels this one.
    let parent: CallState?
    /// The session's user (HTTP); nil: the server's own identity and policy.
    private let ownCaller: Caller?
    var caller: Caller? { ownCaller ?? parent?.caller }
    /// Fixed by the host for one plan: the same in a preview's dry run and in
    /// the run that carries out the confirmed plan, so names a plugin derives
    /// from it are the previewed names (call_context "plan_seed").
    /// Drawn when first asked for (most calls never ask); a nested call shares its outer call's.
    var planSeed: String {
        lock.withLock {
            if let seed { return seed }
            let drawn = parent?.planSeed ?? ConfirmationBook.randomHex(bytes: 8)
            seed = drawn
            return drawn
        }
    }
    private var seed: String?
    private let lock = NSLock()
    private var cancelled = false
    private var writes: [JSON] = []
    private var namespaces: [String] = []

    public init(tool: String, pluginID: String, spec: ToolSpec? = nil, dryRun: Bool = false,
                progressSink: (@Sendable (Double, String) -> Void)? = nil, parent: CallState? = nil,
                planSeed: String? = nil, caller: Caller? = nil) {
        self.parent = parent
        self.ownCaller = caller
        self.seed = planSeed
        self.tool = tool
        self.pluginID = pluginID
        self.spec = spec
        self.dryRun = dryRun
        self.progressSink = progressSink
    }

    public var isCancelled: Bool { lock.withLock { cancelled } || (parent?.isCancelled ?? false) }
    public func cancel() { lock.withLock { cancelled = true } }

    /// A nested call's writes belong to the outer call's preview.
    func recordWrite(_ write: JSON) {
        if let parent { return parent.recordWrite(write) }
        lock.withLock { writes.append(write) }
    }

    /// A namespace the call acted in, from the structured request (for the audit).
    func recordNamespace(_ namespace: String) {
        lock.withLock { if !namespaces.contains(namespace) { namespaces.append(namespace) } }
        parent?.recordNamespace(namespace)
    }
    /// The namespaces this call acted in, comma-joined; nil when none.
    var actedNamespace: String? { lock.withLock { namespaces.isEmpty ? nil : namespaces.joined(separator: ",") } }
    var recordedWrites: [JSON] { lock.withLock { writes } }

    /// Borrow an opaque pointer for the duration of `body`.
    package func withPointer<T>(_ body: (OpaquePointer) -> T) -> T {
        let unmanaged = Unmanaged.passRetained(self)
        defer { unmanaged.release() }
        return body(OpaquePointer(unmanaged.toOpaque()))
    }

    static func from(_ pointer: OpaquePointer?) -> CallState? {
        guard let pointer else { return nil }
        return Unmanaged<CallState>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }
}

extension CallState {
    package var sessionLog: (@Sendable (LogLevel, String, String) -> Void)? { caller?.log }
}
