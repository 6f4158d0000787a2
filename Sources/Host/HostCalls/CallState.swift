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
    package let spec: ToolSpec?
    /// A preview run: writing requests go to the API server with dryRun=All
    /// (validated, never persisted) and are recorded for the user to confirm.
    package let dryRun: Bool
    /// Receives progress reports (fraction in [0,1] or negative, message).
    package let progressSink: (@Sendable (Double, String) -> Void)?
    /// The call this one runs inside (a tool calling another tool); cancelling
    /// the outer call cancels this one.
    let parent: CallState?
    /// The pipeline that runs this call (a nested call's is its outer call's):
    /// the plugin's callbacks during the call are answered by its scope.
    let pipeline: ToolInvoker
    /// The session's user (HTTP); nil: the server's own identity and policy.
    var caller: Caller? { pipeline.caller }
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
    /// Set when the client cancels the call or its deadline passes (a nested call reads its outer call's).
    private let cancellation: CallCancellation?
    private var writes: [JSON] = []
    /// A confirmed run's budget: the preview's writes not sent yet (nil: not bound to a preview).
    private var previewed: [JSON]?
    private var created: Set<String> = []
    private var refusedWrites: [String] = []
    private var createdIDList: [String] = []
    private var namespaces: [String] = []

    init(tool: String, pluginID: String, pipeline: ToolInvoker, spec: ToolSpec? = nil, dryRun: Bool = false,
         progressSink: (@Sendable (Double, String) -> Void)? = nil, parent: CallState? = nil,
         planSeed: String? = nil, previewedWrites: [JSON]? = nil, cancellation: CallCancellation? = nil) {
        self.cancellation = cancellation
        self.parent = parent
        self.pipeline = pipeline
        self.previewed = previewedWrites.map { $0.map(KubeGate.previewKey(recorded:)) }
        self.seed = planSeed
        self.tool = tool
        self.pluginID = pluginID
        self.spec = spec
        self.dryRun = dryRun
        self.progressSink = progressSink
    }

    public var isCancelled: Bool { cancellation?.isCancelled ?? false || (parent?.isCancelled ?? false) }

    /// A nested call's writes belong to the outer call's preview.
    package func recordWrite(_ write: JSON) {
        if let parent { return parent.recordWrite(write) }
        lock.withLock { writes.append(write) }
    }

    /// A namespace the call acted in, from the structured request (for the audit).
    package func recordNamespace(_ namespace: String) {
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

/// The gate's bookkeeping lives with the outermost call: a nested call's
/// writes are its outer call's, in the preview as in the confirmed run.
extension CallState: GateCall {
    package func takePreviewedWrite(_ write: JSON) -> Bool {
        if let parent { return parent.takePreviewedWrite(write) }
        return lock.withLock {
            guard var left = previewed else { return true }
            guard let i = left.firstIndex(of: write) else { return false }
            left.remove(at: i)
            previewed = left
            return true
        }
    }

    package func recordCreated(_ object: String) {
        if let parent { return parent.recordCreated(object) }
        _ = lock.withLock { created.insert(object) }
    }

    package func didCreate(_ object: String) -> Bool {
        if let parent { return parent.didCreate(object) }
        return lock.withLock { created.contains(object) }
    }

    package func recordCreatedID(_ id: String) -> Int {
        if let parent { return parent.recordCreatedID(id) }
        return lock.withLock { createdIDList.append(id); return createdIDList.count }
    }

    package var createdIDs: [String] {
        if let parent { return parent.createdIDs }
        return lock.withLock { createdIDList }
    }

    package func recordRefusedWrite(_ summary: String) {
        if let parent { return parent.recordRefusedWrite(summary) }
        lock.withLock { refusedWrites.append(summary) }
    }

    /// Writes refused in a confirmed run because its preview did not show them.
    var refusedWritesSent: [String] { lock.withLock { refusedWrites } }
}

extension CallState {
    package var sessionLog: (@Sendable (LogLevel, String, String) -> Void)? { caller?.log }
}
