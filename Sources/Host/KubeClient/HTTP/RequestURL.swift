import Foundation

/// Builds the URL libcurl fetches from the server URL and a request.
enum RequestURL {
    /// RFC 3986 unreserved characters; everything else in a query key or value is escaped.
    private static let unreserved = CharacterSet(charactersIn:
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    static func encodeComponent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// server + path + ?query. A server path prefix (`https://h/k8s`) is kept.
    static func build(server: String, path: String, query: [(String, String)]) -> String {
        var base = server
        while base.hasSuffix("/") { base.removeLast() }
        var url = base + (path.hasPrefix("/") ? path : "/" + path)
        if !query.isEmpty {
            url += "?" + query.map { encodeComponent($0.0) + "=" + encodeComponent($0.1) }.joined(separator: "&")
        }
        return url
    }

    /// For `tls-server-name`: fetch `https://<serverName>:<port>/...` and tell
    /// libcurl (CURLOPT_CONNECT_TO) to connect to the real host. SNI and
    /// certificate verification then use the server name, as kubectl does.
    static func applyingServerName(_ serverName: String, to server: String) -> (server: String, connectTo: String)? {
        guard var components = URLComponents(string: server), let host = components.host else { return nil }
        let port = components.port ?? (components.scheme == "http" ? 80 : 443)
        let realHost = host.contains(":") ? "[\(host)]" : host
        components.host = serverName
        components.port = port
        guard let rewritten = components.string else { return nil }
        return (rewritten, "\(serverName):\(port):\(realHost):\(port)")
    }
}
