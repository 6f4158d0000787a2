import HostBase
import KFJSON
import KubeClient

/// The answer handed back to the plugin (see k8s_request in the header) is
/// KubeClient's `KubeResponse`, one type from the wire to the plugin; the host
/// adds how it reads and prints one. A JSON body from the API server stays the
/// text it came in and is handed to the plugin as is: the host reads few
/// bodies, and a parse and a print of a 50 KB list per request cost more than
/// the request (`bodyJSON` parses on demand).
extension KubeResponse {
    /// A refusal or failure decided by the host (no HTTP answer: status 0).
    public static func failure(_ reason: String, _ message: String, field: String? = nil) -> KubeResponse {
        KubeResponse(status: 0, error: KubeError(reason: reason, message: message, field: field))
    }

    /// The body as JSON, or as a string when it is text (pod logs); null when empty.
    public var bodyJSON: JSON {
        body.isEmpty ? .null : (try? JSON.parse(utf8: body)) ?? .string(String(decoding: body, as: UTF8.self))
    }

    public var errorReason: String? { error?.reason }
    public var errorMessage: String? { error?.message }
    /// The request field a BadRequest refusal names.
    public var errorField: String? { error?.field }

    /// What the plugin receives: {"status", "body"?, "error"?: {"reason", "message", "field"?}}.
    public var json: JSON {
        var o: [String: JSON] = ["status": .int(status)]
        let parsed = bodyJSON
        if parsed != .null { o["body"] = parsed }
        if let errorJSON { o["error"] = errorJSON }
        return .object(o)
    }

    private var errorJSON: JSON? {
        guard let error else { return nil }
        var json: JSON = ["reason": .string(error.reason), "message": .string(error.message)]
        if let field = error.field { json["field"] = .string(field) }
        return json
    }

    /// `json` as text, a body that is one JSON value (`JSONText.isOneValue`)
    /// spliced in as it came (keys in `serialized()`'s order); anything else parsed first.
    public var text: String {
        guard JSONText.isOneValue(body) else { return json.serialized() }
        var out = Array("{\"body\":".utf8)
        out.reserveCapacity(body.count + 128)
        out.append(contentsOf: body)
        if let errorJSON { out.append(contentsOf: ",\"error\":\(errorJSON.serialized())".utf8) }
        out.append(contentsOf: ",\"status\":\(status)}".utf8)
        return String(decoding: out, as: UTF8.self)
    }
}

/// A cheap look at JSON text without building values.
enum JSONText {
    /// Does the text hold one object or array that closes at its last byte
    /// (whitespace aside), with no NUL byte? Then it can be spliced into
    /// another JSON text without changing that text's shape; a malformed
    /// inside fails the reader's parse, whole.
    static func isOneValue(_ text: [UInt8]) -> Bool {
        var end = text.count
        while end > 0, [0x20, 0x0A, 0x0D, 0x09].contains(text[end - 1]) { end -= 1 }
        var i = 0
        while i < end, [0x20, 0x0A, 0x0D, 0x09].contains(text[i]) { i += 1 }
        guard i < end, text[i] == UInt8(ascii: "{") || text[i] == UInt8(ascii: "[") else { return false }
        var depth = 0
        var inString = false
        while i < end {
            let b = text[i]
            if b == 0 { return false }
            if inString {
                if b == UInt8(ascii: "\\") { i += 1 } else if b == UInt8(ascii: "\"") { inString = false }
            } else {
                switch b {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return i == end - 1 }
                default: break
                }
            }
            i += 1
        }
        return false
    }
}

/// How the host reaches a Kubernetes API. Implemented over libcurl (KubeClient)
/// for real clusters and the simulator; plugins never see it.
public protocol ClusterAccess: Sendable {
    /// The kubeconfig context's namespace ("default" when it names none).
    var defaultNamespace: String { get }
    /// Who we are, as far as the configuration says (refined by SelfSubjectReview).
    var identity: String { get }
    /// A line describing where requests go, for logs and `doctor`.
    var summary: String { get }
    func send(_ request: ClusterRequest) -> KubeResponse
    func stream(_ request: ClusterRequest, onLine: (String) -> Bool) -> KubeResponse
}

/// Used when no cluster is configured: every request fails with a sentence
/// that says how to configure one.
public struct NoCluster: ClusterAccess {
    public var reason: String
    public init(reason: String) { self.reason = reason }
    public var defaultNamespace: String { "default" }
    public var identity: String { "unknown" }
    public var summary: String { "no cluster: \(reason)" }
    public func send(_ request: ClusterRequest) -> KubeResponse { .failure("Unconfigured", reason) }
    public func stream(_ request: ClusterRequest, onLine: (String) -> Bool) -> KubeResponse {
        .failure("Unconfigured", reason)
    }
}
