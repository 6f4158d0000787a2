import Foundation
import HostBase
import HostCalls
import HostKubeGate
import HostPlugins
import KFJSON

/// The JSON-RPC and MCP rules every incoming message passes before anything
/// acts on it, whatever transport it came by (stdio, or one HTTP session):
///
///  - one JSON object per message: arrays (batches, which the MCP revision we
///    speak removed) and scalars get one -32600 error with id null;
///  - an id is a string or an integer that fits in 64 bits; anything else
///    (null, 1.5, true, 1e2, 2^63, an object) gets -32600 with id null and is
///    never tracked as in flight;
///  - `method` is a string; a message with neither method nor result/error is invalid;
///  - before `initialize` only `initialize`, `ping` and notifications are served.
///
/// Thread-safe: the reader thread of a transport calls it.
public final class MessageScreen: @unchecked Sendable {
    public enum Verdict: Equatable {
        /// A valid request, notification or response: hand it on.
        case pass(JSON)
        /// Answer with this error and drop the message.
        case reject(JSON)
        /// Drop silently (an invalid notification: JSON-RPC never answers those).
        case drop
    }

    private let lock = NSLock()
    private var initialized = false

    public init() {}

    /// Parse errors carry id null (JSON-RPC 2.0 §5).
    public static func parseError(_ detail: String) -> JSON {
        errorReply(id: .null, code: -32700, "Parse error: \(detail)")
    }

    /// Every JSON-RPC error passes here: its message quotes what the client sent (a method name, a level).
    public static func errorReply(id: JSON, code: Int, _ message: String) -> JSON {
        ["jsonrpc": "2.0", "id": id, "error": ["code": .int(code), "message": .string(Redactor.redact(message))]]
    }

    static func invalid(_ message: String, id: JSON = .null) -> Verdict {
        .reject(errorReply(id: id, code: -32600, "Invalid request: \(message)"))
    }

    /// An id we accept: a string, or an integer that JSON gave us as one.
    public static func isValidID(_ id: JSON) -> Bool {
        switch id {
        case .string, .int: return true
        default: return false
        }
    }

    /// A session resumed on this replica was initialized on another.
    public func markInitialized() { lock.withLock { initialized = true } }

    public func screen(_ message: JSON) -> Verdict {
        if message.array != nil {
            return Self.invalid("JSON-RPC batches are not supported; send one message per line")
        }
        guard let object = message.object else {
            return Self.invalid("a message must be a JSON object, got \(message.typeName)")
        }
        let id = object["id"]
        if let id, !Self.isValidID(id) {
            return Self.invalid("'id' must be a string or an integer within 64 bits, got \(id == .null ? "null" : id.serialized())")
        }
        if let text = id?.string, Redactor.redact(text) != text {
            // Every answer echoes its id, which cannot be masked and still match: one holding a credential is refused.
            return Self.invalid("'id' looks like a credential; send a plain string or an integer")
        }
        if object["jsonrpc"] != "2.0" {
            return id == nil ? .drop : Self.invalid("'jsonrpc' must be \"2.0\"", id: id!)
        }
        guard let methodValue = object["method"] else {
            // A response to one of our requests (elicitation): needs an id and a result or error.
            if id != nil && (object["result"] != nil || object["error"] != nil) { return .pass(message) }
            return Self.invalid("a message needs 'method' (a request) or 'result'/'error' (a response)", id: id ?? .null)
        }
        guard let method = methodValue.string else {
            return id == nil ? .drop : Self.invalid("'method' must be a string", id: id!)
        }
        if let params = object["params"], params.object == nil && params.array == nil {
            return id == nil ? .drop : Self.invalid("'params' must be an object", id: id!)
        }
        guard let id else { return .pass(message) }  // a notification
        let ready = lock.withLock { () -> Bool in
            if method == "initialize" { initialized = true }
            return initialized
        }
        if !ready && method != "ping" {
            return .reject(Self.errorReply(id: id, code: -32600,
                                           "Invalid request: '\(method)' before 'initialize'; send initialize first"))
        }
        return .pass(message)
    }
}
