import KFJSON
import KubeClient

/// The answer handed back to the plugin (see k8s_request in the header).
public struct ClusterAnswer: Sendable {
    public var status: Int
    /// The body. A JSON body from the API server is kept as the text it came
    /// in (`bodyText`) and handed to the plugin as is: the host reads few
    /// bodies, and a parse and a print of a 50 KB list per request cost more
    /// than the request (parsed here on demand).
    public var body: JSON {
        get { bodyText.map(Self.parse) ?? parsedBody }
        set { parsedBody = newValue; bodyText = nil }
    }
    private var parsedBody: JSON
    private(set) var bodyText: [UInt8]?
    public var errorReason: String?
    public var errorMessage: String?
    /// The request field a BadRequest refusal names.
    public var errorField: String?

    public init(status: Int, body: JSON = .null, errorReason: String? = nil, errorMessage: String? = nil,
                errorField: String? = nil) {
        self.status = status
        self.parsedBody = body
        self.errorReason = errorReason
        self.errorMessage = errorMessage
        self.errorField = errorField
    }

    /// An answer whose body is JSON text, kept unparsed when it is one value
    /// that ends where the text ends (`JSONText.isOneValue`); else parsed now.
    init(status: Int, bodyText: [UInt8], errorReason: String? = nil, errorMessage: String? = nil) {
        self.init(status: status, errorReason: errorReason, errorMessage: errorMessage)
        if JSONText.isOneValue(bodyText) { self.bodyText = bodyText } else if !bodyText.isEmpty { parsedBody = Self.parse(bodyText) }
    }

    /// JSON, or the text as a string (pod logs).
    private static func parse(_ text: [UInt8]) -> JSON {
        (try? JSON.parse(utf8: text)) ?? .string(String(decoding: text, as: UTF8.self))
    }

    public static func failure(_ reason: String, _ message: String, field: String? = nil) -> ClusterAnswer {
        ClusterAnswer(status: 0, errorReason: reason, errorMessage: message, errorField: field)
    }

    public var json: JSON {
        var o: [String: JSON] = ["status": .int(status)]
        if body != .null { o["body"] = body }
        if let error { o["error"] = error }
        return .object(o)
    }

    private var error: JSON? {
        guard let errorReason else { return nil }
        var error: JSON = ["reason": .string(errorReason), "message": .string(errorMessage ?? errorReason)]
        if let errorField { error["field"] = .string(errorField) }
        return error
    }

    /// `json` as text, the body spliced in as it came (keys in `serialized()`'s order).
    public var text: String {
        guard let bodyText else { return json.serialized() }
        var out = Array("{\"body\":".utf8)
        out.reserveCapacity(bodyText.count + 128)
        out.append(contentsOf: bodyText)
        if let error { out.append(contentsOf: ",\"error\":\(error.serialized())".utf8) }
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
    func send(_ request: ClusterRequest) -> ClusterAnswer
    func stream(_ request: ClusterRequest, onLine: (String) -> Bool) -> ClusterAnswer
}

/// Used when no cluster is configured: every request fails with a sentence
/// that says how to configure one.
public struct NoCluster: ClusterAccess {
    public var reason: String
    public init(reason: String) { self.reason = reason }
    public var defaultNamespace: String { "default" }
    public var identity: String { "unknown" }
    public var summary: String { "no cluster: \(reason)" }
    public func send(_ request: ClusterRequest) -> ClusterAnswer { .failure("Unconfigured", reason) }
    public func stream(_ request: ClusterRequest, onLine: (String) -> Bool) -> ClusterAnswer {
        .failure("Unconfigured", reason)
    }
}
