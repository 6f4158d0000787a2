import CCurl
import Foundation

/// Everything one HTTP exchange needs, already decided by the client.
struct TransferSetup {
    var method: String
    var url: String
    var headers: [String]
    var body: [UInt8]?
    /// 0: no overall limit (streams).
    var timeoutMs: Int
    var connectTimeoutMs: Int
    var tls: TLSSettings
    var clientCertificate: ClientCertificate?
    var basic: (username: String, password: String)?
    var proxy: String?
    /// CURLOPT_CONNECT_TO entry for tls-server-name.
    var connectTo: String?

    /// Only requests that are safe to send twice may ride a kept-alive
    /// connection (see `perform`): POST and PATCH get a connection of their own.
    var mayReuseConnection: Bool { !["POST", "PATCH"].contains(method) }
}

/// What came back, before any interpretation.
struct TransferOutcome {
    var code: CURLcode
    /// libcurl's failure detail (its error buffer), empty on success.
    var errorDetail: String
    var status: Int
    var body: [UInt8]
    var headers: [String: String]
    var stoppedByReader: Bool
    /// An https exchange on a new connection that broke before any response:
    /// the handshake never completed, or the server dropped the connection
    /// right after it (how TLS 1.3 servers refuse a client certificate).
    var failedAroundTLSHandshake: Bool

    var completed: Bool { code == CURLE_OK || stoppedByReader }
}

/// Runs one exchange on an easy handle: resets it, sets every option, performs.
enum CurlTransfer {
    static let userAgent = "kubeflow-mcp-kubeclient/1"

    static func perform(_ setup: TransferSetup, on handle: CurlHandle,
                        onLine: ((String) -> Bool)?) -> TransferOutcome {
        let h = handle.raw
        // Reset drops the previous request's options but keeps the handle's
        // open connections, which is what makes keep-alive work.
        curl_easy_reset(h)
        handle.errorBuffer[0] = 0
        _ = kfcurl_setopt_pointer(h, CURLOPT_ERRORBUFFER, handle.errorBuffer)

        let options = OptionSetter(handle: h)
        options.set(CURLOPT_URL, setup.url)
        options.set(CURLOPT_NOSIGNAL, 1)  // required when several threads use libcurl
        options.set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        options.set(CURLOPT_TCP_KEEPALIVE, 1)
        options.set(CURLOPT_USERAGENT, userAgent)
        options.set(CURLOPT_ACCEPT_ENCODING, "")  // whatever libcurl can decode
        options.set(CURLOPT_TIMEOUT_MS, setup.timeoutMs)
        options.set(CURLOPT_CONNECTTIMEOUT_MS, setup.connectTimeoutMs)
        applyMethod(setup, options)
        if !setup.mayReuseConnection {
            // libcurl silently re-sends a request whose reused connection turns
            // out to be dead; for a POST the server may already have acted on
            // the first copy. A request on a fresh connection is never re-sent.
            options.set(CURLOPT_FRESH_CONNECT, 1)
            options.set(CURLOPT_FORBID_REUSE, 1)
        }
        applyTLS(setup, options)
        if let basic = setup.basic {
            options.set(CURLOPT_HTTPAUTH, 1)  // CURLAUTH_BASIC
            options.set(CURLOPT_USERNAME, basic.username)
            options.set(CURLOPT_PASSWORD, basic.password)
        }
        if let proxy = setup.proxy { options.set(CURLOPT_PROXY, proxy) }

        // Header lists must outlive curl_easy_perform.
        let headerList = makeList(setup.headers + ["Expect:"])
        defer { curl_slist_free_all(headerList) }
        _ = kfcurl_setopt_pointer(h, CURLOPT_HTTPHEADER, headerList)
        let connectToList = setup.connectTo.map { makeList([$0]) } ?? nil
        defer { if let connectToList { curl_slist_free_all(connectToList) } }
        if let connectToList { _ = kfcurl_setopt_pointer(h, CURLOPT_CONNECT_TO, connectToList) }

        let sink = ResponseSink(handle: h, onLine: onLine)
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
        _ = kfcurl_setopt_write_callback(h, CURLOPT_WRITEFUNCTION) { data, size, count, user in
            let sink = Unmanaged<ResponseSink>.fromOpaque(user!).takeUnretainedValue()
            let length = size * count
            return sink.receiveBody(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
        }
        _ = kfcurl_setopt_pointer(h, CURLOPT_WRITEDATA, sinkPointer)
        _ = kfcurl_setopt_write_callback(h, CURLOPT_HEADERFUNCTION) { data, size, count, user in
            let sink = Unmanaged<ResponseSink>.fromOpaque(user!).takeUnretainedValue()
            let length = size * count
            sink.receiveHeader(UnsafeRawBufferPointer(start: data, count: length))
            return length
        }
        _ = kfcurl_setopt_pointer(h, CURLOPT_HEADERDATA, sinkPointer)

        let code = withExtendedLifetime(sink) { curl_easy_perform(h) }
        sink.finish()
        var status = 0
        _ = kfcurl_getinfo_long(h, CURLINFO_RESPONSE_CODE, &status)
        var tcpConnectedAt: curl_off_t = 0
        var newConnections = 0
        _ = kfcurl_getinfo_offset(h, CURLINFO_CONNECT_TIME_T, &tcpConnectedAt)
        _ = kfcurl_getinfo_long(h, CURLINFO_NUM_CONNECTS, &newConnections)
        let isHTTPS = setup.url.lowercased().hasPrefix("https:")
        return TransferOutcome(code: code, errorDetail: handle.errorDetail, status: status, body: sink.body,
                               headers: sink.headers, stoppedByReader: sink.stoppedByReader,
                               failedAroundTLSHandshake: isHTTPS && tcpConnectedAt > 0 && newConnections > 0
                                   && status == 0)
    }

    private static func applyMethod(_ setup: TransferSetup, _ options: OptionSetter) {
        switch setup.method {
        case "GET" where setup.body == nil:
            options.set(CURLOPT_HTTPGET, 1)
        case "HEAD":
            options.set(CURLOPT_NOBODY, 1)
        default:
            options.set(CURLOPT_CUSTOMREQUEST, setup.method)
            if let body = setup.body {
                options.setBody(body)
            } else if setup.method == "POST" {
                options.setBody([])
            }
        }
    }

    private static func applyTLS(_ setup: TransferSetup, _ options: OptionSetter) {
        let tls = setup.tls
        if tls.insecureSkipVerify {
            options.set(CURLOPT_SSL_VERIFYPEER, 0)
            options.set(CURLOPT_SSL_VERIFYHOST, 0)
        } else if let ca = tls.certificateAuthorityPEM {
            // Trust exactly this CA, as kubectl does: drop the system bundle.
            options.set(CURLOPT_CAINFO, nil)
            options.set(CURLOPT_CAPATH, nil)
            options.setBlob(CURLOPT_CAINFO_BLOB, ca)
        }
        if let certificate = setup.clientCertificate {
            options.setBlob(CURLOPT_SSLCERT_BLOB, certificate.certificatePEM)
            options.set(CURLOPT_SSLCERTTYPE, "PEM")
            options.setBlob(CURLOPT_SSLKEY_BLOB, certificate.keyPEM)
            options.set(CURLOPT_SSLKEYTYPE, "PEM")
        }
    }

    private static func makeList(_ items: [String]) -> UnsafeMutablePointer<curl_slist>? {
        var list: UnsafeMutablePointer<curl_slist>?
        for item in items { list = curl_slist_append(list, item) }
        return list
    }
}

/// Small typed front for the option wrappers; libcurl copies strings and blobs.
private struct OptionSetter {
    let handle: UnsafeMutableRawPointer

    func set(_ option: CURLoption, _ value: Int) {
        _ = kfcurl_setopt_long(handle, option, value)
    }

    func set(_ option: CURLoption, _ value: String?) {
        if let value {
            _ = value.withCString { kfcurl_setopt_pointer(handle, option, $0) }
        } else {
            _ = kfcurl_setopt_pointer(handle, option, nil)
        }
    }

    func setBlob(_ option: CURLoption, _ bytes: [UInt8]) {
        var copy = bytes
        copy.withUnsafeMutableBytes { buffer in
            var blob = curl_blob(data: buffer.baseAddress, len: buffer.count, flags: UInt32(CURL_BLOB_COPY))
            _ = kfcurl_setopt_pointer(handle, option, &blob)
        }
    }

    func setBody(_ body: [UInt8]) {
        _ = kfcurl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
        body.withUnsafeBytes { buffer in
            // COPYPOSTFIELDS copies POSTFIELDSIZE bytes, so the body need not outlive this call.
            _ = kfcurl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1))
        }
    }
}
