import Foundation
import HostBase
import KFJSON
import PluginABI

/// What a plugin's `host->host_data` points at: which plugin is calling, its
/// plugins.d config, and the host it runs in.
package final class PluginContext: @unchecked Sendable {
    /// The plugin id once its manifest was read; the file name before that.
    package var name: String
    package let config: JSON
    package unowned let host: any PluginHost
    /// The plugin's log is one stream: a key block split over log calls is masked whole.
    package let logRedactor = StreamRedactor()
    /// Opens when the loader reaches this plugin in load order. A child process
    /// started ahead of its turn waits here in list_backends during entry, which
    /// must list exactly the plugins loaded before it.
    package let turn: Gate

    init(name: String, config: JSON, host: any PluginHost, turn: Gate = Gate(open: true)) {
        self.name = name
        self.config = config
        self.host = host
        self.turn = turn
    }
}

/// Closed until `open()`; then `wait()` returns at once, forever.
package final class Gate: @unchecked Sendable {
    private let condition = NSCondition()
    private var isOpen: Bool

    init(open: Bool) { isOpen = open }

    package func open() {
        condition.lock()
        isOpen = true
        condition.broadcast()
        condition.unlock()
    }

    package func wait() {
        condition.lock()
        while !isOpen { condition.wait() }
        condition.unlock()
    }
}

/// What the plugin floor needs of the host it loads plugins into; the floors
/// above build the services (the call pipeline, the Kubernetes gate).
package protocol PluginHost: AnyObject, Sendable {
    var log: Log { get }
    var registry: PluginRegistry { get }
    var isShuttingDown: Bool { get }
    /// The `kfmcp_host_v1` struct handed to the plugin `context` describes; it lives for the rest of the process.
    func makeHost(for context: PluginContext) -> UnsafeMutablePointer<kfmcp_host_v1>
}

/// What a runner needs of the call it runs; the call pipeline (a floor above) owns the call.
package protocol PluginCall: AnyObject, Sendable {
    var isCancelled: Bool { get }
    /// Receives progress reports (fraction in [0,1] or negative, message).
    var progressSink: (@Sendable (Double, String) -> Void)? { get }
    /// Where lines the plugin logs during this call also go (the HTTP session's), if anywhere.
    var sessionLog: (@Sendable (LogLevel, String, String) -> Void)? { get }
    /// Borrow an opaque pointer (the plugin's `kfmcp_call *`) for the duration of `body`.
    func withPointer<T>(_ body: (OpaquePointer) -> T) -> T
}
