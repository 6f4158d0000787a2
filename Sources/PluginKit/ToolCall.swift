import PluginABI

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An HTTP answer from the Kubernetes API, through the host.
public struct K8sResponse: Sendable {
    /// HTTP status; 0 when no HTTP answer came (unreachable, TLS, denied by policy).
    public var status: Int
    public var body: JSON
    /// Set for every non-2xx answer: `reason` (NotFound, Forbidden, Unreachable,
    /// Denied, ...) and a sentence a person can act on.
    public var errorReason: String?
    public var errorMessage: String?
    /// The request field the host refused (BadRequest), e.g. "name".
    public var errorField: String?
    /// Set by `k8sCreate` when the object was found after an uncertain answer.
    public var note: String?

    public init(status: Int, body: JSON = .null, errorReason: String? = nil, errorMessage: String? = nil,
                errorField: String? = nil, note: String? = nil) {
        self.status = status
        self.body = body
        self.errorReason = errorReason
        self.errorMessage = errorMessage
        self.errorField = errorField
        self.note = note
    }

    public var ok: Bool { (200..<300).contains(status) }
}

/// The host's services, as a plugin sees them. Valid for the process lifetime.
public struct PluginHost: @unchecked Sendable {
    let raw: UnsafePointer<kfmcp_host_v1>

    /// A 1.1 host takes structured Kubernetes requests; a 1.0 host only paths.
    var speaksStructuredRequests: Bool { raw.pointee.abi_major == 1 && raw.pointee.abi_minor >= 1 }

    public func log(_ message: String, level: LogLevel = .info) {
        raw.pointee.log?(raw, level.rawValue, message)
    }

    /// This plugin's settings from plugins.d (an object, {} when none).
    public func config() -> JSON {
        guard let fn = raw.pointee.plugin_config else { return [:] }
        var out: UnsafeMutablePointer<CChar>?
        guard fn(raw, &out) == KFMCP_OK, let out else { return [:] }
        defer { raw.pointee.free?(raw, out) }
        return (try? JSON.parse(String(cString: out))) ?? [:]
    }
}

public enum LogLevel: UInt32, Sendable {
    case debug = 0, info = 1, warning = 2, error = 3
}

/// One call of a tool or a backend operation: its arguments and the host
/// services bound to it. Do not keep it past the handler's return.
public struct ToolCall: @unchecked Sendable {
    public let tool: String
    public let arguments: JSON
    public let host: PluginHost
    let call: OpaquePointer?

    init(tool: String, arguments: JSON, host: PluginHost, call: OpaquePointer?) {
        self.tool = tool
        self.arguments = arguments
        self.host = host
        self.call = call
    }

    private var raw: UnsafePointer<kfmcp_host_v1> { host.raw }

    // MARK: Host services

    public func log(_ message: String, level: LogLevel = .info) { host.log(message, level: level) }

    /// Report progress in [0, 1] (negative: unknown) with a short message.
    public func progress(_ fraction: Double, _ message: String) {
        raw.pointee.progress?(raw, call, fraction, message)
    }

    /// True once the client cancelled this call.
    public var isCancelled: Bool { (raw.pointee.is_cancelled?(raw, call) ?? 0) != 0 }

    /// The call's context: default namespace, user, persona, allowed namespaces.
    public func context() -> JSON {
        hostJSON { out in raw.pointee.call_context?(raw, call, &out) ?? KFMCP_ERR_INTERNAL } ?? [:]
    }

    /// The host policy's namespace allowlist; nil when every namespace is allowed.
    public var allowedNamespaces: [String]? { context()["allowed_namespaces"]?.array?.compactMap(\.string) }

    /// Items of a cluster-wide view (see `K8sRequest.listEverywhere`), all
    /// namespaces or each allowed one. Throws the first failure.
    public func listEverywhere(_ r: K8sResource, query: [String: String] = [:]) throws -> [JSON] {
        try K8sRequest.listEverywhere(r, allowedNamespaces: allowedNamespaces, query: query)
            .flatMap { try k8sJSON($0)["items"]?.array ?? [] }
    }

    /// The host's seed for this plan: identical in a confirmation preview's dry
    /// run and in the confirmed run, so derive generated names from it (nil
    /// from a host that predates it: then names are random).
    public var planSeed: String? { context()["plan_seed"]?.string }

    /// The namespace the user's kubeconfig context points at ("default" if none).
    public var defaultNamespace: String { context()["namespace"]?.string ?? "default" }

    /// One Kubernetes request. Never throws: read `status`/`errorMessage`.
    public func k8s(_ request: K8sRequest) -> K8sResponse {
        let json = request.abiJSON(structured: host.speaksStructuredRequests).serialized()
        let answer = hostJSON { out in
            raw.pointee.k8s_request?(raw, call, json, &out) ?? KFMCP_ERR_INTERNAL
        }
        return Self.response(answer)
    }

    /// A request whose answer must be 2xx JSON; otherwise throws a ToolError
    /// carrying the host's sentence (e.g. "trainjobs \"x\" not found").
    @discardableResult
    public func k8sJSON(_ request: K8sRequest) throws -> JSON {
        let response = k8s(request)
        guard response.ok else {
            throw ToolError(response.errorMessage ?? "Kubernetes answered HTTP \(response.status) for \(request.method) \(request.path).",
                            details: ["status": .int(response.status), "reason": response.errorReason.map { .string($0) } ?? .null])
        }
        return response.body
    }

    /// A create, sent once (the host never repeats a POST). When its answer is
    /// lost (no HTTP answer, timeout) or is a 5xx, the object may exist anyway:
    /// it is read back by name, and the response says plainly which it is —
    /// `ok` with `note` set when it exists, else the failure with a sentence
    /// saying whether trying again is safe.
    public func k8sCreate(_ request: K8sRequest) -> K8sResponse {
        var response = k8s(request)
        let uncertain = (response.status == 0 && ["Timeout", "Unreachable", "ConnectionLost"].contains(response.errorReason ?? ""))
            || (500...599).contains(response.status)
        guard uncertain, let r = request.resource, let name = request.body?["metadata"]?["name"]?.string else {
            return response
        }
        let what = "\(r.kind) \(name)" + (request.namespace.map { " in namespace \($0)" } ?? "")
        let lost = response.errorMessage ?? "HTTP \(response.status)"
        let readBack = k8s(.get(r, name, namespace: request.namespace))
        if readBack.ok {
            var created = readBack
            created.status = 201
            created.note = "The API server's answer to the create was lost (\(lost)); reading it back shows \(what) exists, so it was created."
            return created
        }
        if readBack.status == 404 {
            response.errorMessage = "\(lost) Reading \(what) back shows it does not exist, so trying again is safe."
        } else {
            response.errorMessage = "\(lost) Whether \(what) exists is unknown (reading it back failed: \(readBack.errorMessage ?? "HTTP \(readBack.status)")); look for it before trying again."
        }
        return response
    }

    /// A streamed request (watch, log follow). `onLine` returns false to stop.
    public func k8sStream(_ request: K8sRequest, onLine: (String) -> Bool) -> K8sResponse {
        let json = request.abiJSON(structured: host.speaksStructuredRequests).serialized()
        final class Box { let fn: (String) -> Bool; init(_ fn: @escaping (String) -> Bool) { self.fn = fn } }
        return withoutActuallyEscaping(onLine) { onLine in
            let box = Unmanaged.passRetained(Box(onLine))
            defer { box.release() }
            let trampoline: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> Int32 = { user, line in
                guard let user, let line else { return 1 }
                let box = Unmanaged<Box>.fromOpaque(user).takeUnretainedValue()
                return box.fn(String(cString: line)) ? 0 : 1
            }
            let answer = hostJSON { out in
                raw.pointee.k8s_stream?(raw, call, json, trampoline, box.toOpaque(), &out) ?? KFMCP_ERR_INTERNAL
            }
            return Self.response(answer)
        }
    }

    /// ABI 1.0 form: a raw path. The host accepts it only when it parses into
    /// the same structure as a K8sRequest; prefer `k8s(_ request:)`.
    @available(*, deprecated, message: "Build a K8sRequest: call.k8s(.get(.trainJobs, name, namespace: ns))")
    public func k8s(_ method: String, _ path: String, query: [String: String] = [:],
                    body: JSON? = nil, contentType: String? = nil, timeoutMs: Int? = nil) -> K8sResponse {
        var request: JSON = ["method": .string(method), "path": .string(path)]
        if !query.isEmpty { request["query"] = .object(query.mapValues { .string($0) }) }
        if let body { request["body"] = body }
        if let contentType { request["content_type"] = .string(contentType) }
        if let timeoutMs { request["timeout_ms"] = .int(timeoutMs) }
        let text = request.serialized()
        return Self.response(hostJSON { out in raw.pointee.k8s_request?(raw, call, text, &out) ?? KFMCP_ERR_INTERNAL })
    }

    @available(*, deprecated, message: "Build a K8sRequest: call.k8sJSON(.list(.pods, namespace: ns))")
    @discardableResult
    public func k8sJSON(_ method: String, _ path: String, query: [String: String] = [:],
                        body: JSON? = nil, contentType: String? = nil) throws -> JSON {
        let response = k8s(method, path, query: query, body: body, contentType: contentType)
        guard response.ok else {
            throw ToolError(response.errorMessage ?? "Kubernetes answered HTTP \(response.status) for \(method) \(path).")
        }
        return response.body
    }

    /// Call a provider operation through the host (whichever plugin provides
    /// it; a fine-tuning backend is one kind of provider). Throws ToolError
    /// when no plugin provides `id` (naming the loaded ones) or the operation failed.
    public func callBackend(_ id: String, _ op: String, _ input: JSON) throws -> JSON {
        var rc = KFMCP_ERR_INTERNAL
        let answer = hostJSON { out in
            rc = raw.pointee.call_backend?(raw, call, id, op, input.serialized(), &out) ?? KFMCP_ERR_INTERNAL
            return rc
        }
        guard let answer else {
            if rc == KFMCP_ERR_UNKNOWN {
                let loaded = listProviders().compactMap { $0["id"]?.string }
                throw ToolError("No loaded plugin provides '\(id)'; loaded: \(loaded.isEmpty ? "none" : loaded.joined(separator: ", ")).",
                                field: "backend")
            }
            throw ToolError("The host could not call \(id) (code \(rc)).")
        }
        if let error = answer["error"] {
            throw ToolError(error["message"]?.string ?? "backend \(id) failed", field: error["field"]?.string,
                            details: error["details"])
        }
        return answer["result"] ?? answer
    }

    /// Call another plugin's tool (host extension kfmcp.tools/1). nil when no
    /// loaded plugin has that tool (or the host lacks the extension); else the
    /// tool's result. A tool error is thrown as ToolError.
    public func callTool(_ name: String, _ input: JSON) throws -> JSON? {
        guard let raw = raw.pointee.get_extension?(raw, KFMCP_EXT_TOOLS) else { return nil }
        let ext = raw.assumingMemoryBound(to: kfmcp_tools_ext_v1.self)
        guard let fn = ext.pointee.call_tool else { return nil }
        var out: UnsafeMutablePointer<CChar>?
        let rc = fn(self.raw, call, name, input.serialized(), &out)
        guard let out else { return nil }
        defer { self.raw.pointee.free?(self.raw, out) }
        guard rc == KFMCP_OK, let answer = try? JSON.parse(String(cString: out)) else { return nil }
        if let error = answer["error"] {
            throw ToolError(error["message"]?.string ?? "\(name) failed", field: error["field"]?.string, details: error["details"])
        }
        return answer["result"] ?? .null
    }

    /// The loaded fine-tuning backends: [{id,kind,title,version,plugin,capabilities}].
    public func listBackends() -> [JSON] { listProviders(kind: ProviderKind.fineTuneBackend) }

    /// The loaded providers of one kind (nil: every kind). An ABI 1.0 host's
    /// entries have no "kind" and are all fine-tuning backends.
    public func listProviders(kind: String? = nil) -> [JSON] {
        var out: UnsafeMutablePointer<CChar>?
        let rc = raw.pointee.list_backends?(raw, &out) ?? KFMCP_ERR_INTERNAL
        guard let out else { return [] }
        defer { raw.pointee.free?(raw, out) }
        guard rc == KFMCP_OK else { return [] }
        let all = Self.parsedBackends.parse(out)
        guard let kind else { return all }
        return all.filter { ($0["kind"]?.string ?? ProviderKind.fineTuneBackend) == kind }
    }

    /// The last list_backends text and its parse: the list rarely changes and
    /// planning tools read it on every call, so the same bytes are parsed once.
    private static let parsedBackends = ParseOnce()

    // MARK: Plumbing

    private func hostJSON(_ body: (inout UnsafeMutablePointer<CChar>?) -> Int32) -> JSON? {
        var out: UnsafeMutablePointer<CChar>?
        let rc = body(&out)
        guard let out else { return nil }
        defer { raw.pointee.free?(raw, out) }
        guard rc == KFMCP_OK else { return nil }
        return try? JSON.parse(String(cString: out))
    }

    private static func response(_ answer: JSON?) -> K8sResponse {
        guard let answer else {
            return K8sResponse(status: 0, body: .null, errorReason: "Internal",
                               errorMessage: "The host did not answer the Kubernetes request.")
        }
        return K8sResponse(status: answer["status"]?.int ?? 0, body: answer["body"] ?? .null,
                           errorReason: answer["error"]?["reason"]?.string,
                           errorMessage: answer["error"]?["message"]?.string,
                           errorField: answer["error"]?["field"]?.string)
    }
}

// MARK: - Argument access with errors that name the field.

extension ToolCall {
    public func string(_ name: String) throws -> String {
        guard let v = arguments[name], !v.isNull else { throw ToolError("Missing required argument: \(name).", field: name) }
        guard let s = v.string else { throw ToolError("Argument \(name) must be a string.", field: name) }
        return s
    }
    public func optionalString(_ name: String) throws -> String? {
        guard let v = arguments[name], !v.isNull else { return nil }
        guard let s = v.string else { throw ToolError("Argument \(name) must be a string.", field: name) }
        return s
    }
    public func optionalInt(_ name: String) throws -> Int? {
        guard let v = arguments[name], !v.isNull else { return nil }
        guard let i = v.int else { throw ToolError("Argument \(name) must be an integer.", field: name) }
        return i
    }
    public func optionalDouble(_ name: String) throws -> Double? {
        guard let v = arguments[name], !v.isNull else { return nil }
        guard let d = v.double else { throw ToolError("Argument \(name) must be a number.", field: name) }
        return d
    }
    public func optionalBool(_ name: String) throws -> Bool? {
        guard let v = arguments[name], !v.isNull else { return nil }
        guard let b = v.bool else { throw ToolError("Argument \(name) must be true or false.", field: name) }
        return b
    }
}

/// Block the calling (tool) thread. Handlers run on a thread of their own.
public func sleepMilliseconds(_ ms: Int) {
    guard ms > 0 else { return }
    usleep(useconds_t(min(ms, 60_000) * 1000))
}

/// Parses JSON text, reusing the last parse when the text is byte for byte the same.
final class ParseOnce: @unchecked Sendable {
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)  // lives as long as the plugin
    private var last: (text: [CChar], value: [JSON])?

    init() { pthread_mutex_init(lock, nil) }

    func parse(_ text: UnsafePointer<CChar>) -> [JSON] {
        let bytes = UnsafeBufferPointer(start: text, count: strlen(text) + 1)
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        // memcmp: the list is tens of KB and comes on every call; a generic element loop cost 2% of a call.
        if let last, last.text.count == bytes.count, memcmp(last.text, bytes.baseAddress!, bytes.count) == 0 {
            return last.value
        }
        let value = (try? JSON.parse(String(cString: text)))?.array ?? []
        last = (Array(bytes), value)
        return value
    }
}
