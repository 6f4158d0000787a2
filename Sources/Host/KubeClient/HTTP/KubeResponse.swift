/// The answer to a `KubeRequest`, and what the host hands a plugin for its
/// request (HostCore adds the plugin's JSON view of it).
///
/// `status` is 0 when no HTTP answer arrived (unreachable, TLS, timeout, credentials
/// could not be obtained). `error` is set for those and for every HTTP status >= 400.
public struct KubeResponse: Sendable {
    public var status: Int
    public var body: [UInt8]
    public var error: KubeError?

    public init(status: Int, body: [UInt8] = [], error: KubeError? = nil) {
        self.status = status
        self.body = body
        self.error = error
    }

    public var isSuccess: Bool { error == nil && (200..<300).contains(status) }
}
