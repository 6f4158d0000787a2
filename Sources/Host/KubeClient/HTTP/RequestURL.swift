import Foundation

/// Builds the URL libcurl fetches from the server URL and a request.
public enum RequestURL {
    /// Percent-encodes every UTF-8 byte but RFC 3986's unreserved characters
    /// (letters, digits, `-._~`): for a path segment, a query key or a value.
    /// By hand, on bytes: Foundation's version went through CoreFoundation on every request.
    public static func encodeComponent(_ text: String) -> String {
        func unreserved(_ b: UInt8) -> Bool {
            (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39)
                || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x7E
        }
        guard !text.utf8.allSatisfy(unreserved) else { return text }
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 3)
        for b in text.utf8 {
            if unreserved(b) { out.append(b); continue }
            out.append(UInt8(ascii: "%"))
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
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
