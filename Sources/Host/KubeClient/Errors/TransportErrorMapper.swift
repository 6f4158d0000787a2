import CCurl

/// Turns a libcurl failure (no HTTP answer) into a KubeError.
enum TransportErrorMapper {
    static func map(_ outcome: TransferOutcome, timeoutMs: Int, context: ErrorContext) -> KubeError {
        let code = outcome.code
        let detail = outcome.errorDetail.isEmpty
            ? String(cString: curl_easy_strerror(code)) : outcome.errorDetail
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            let limit = timeoutMs > 0 ? " after \(formatDuration(timeoutMs))" : ""
            return KubeError(reason: "Timeout", message:
                "\(context.request) to the API server at \(context.server) timed out\(limit) (\(detail)). "
                + "The server may be overloaded or unreachable; retry, or allow a longer timeout.")
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_PROXY:
            return unreachable(detail, context)
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR,
             CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CRL_BADFILE:
            return tls(detail, verification: true, context)
        case CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_ENGINE_NOTFOUND,
             CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_SHUTDOWN_FAILED:
            return tls(detail, verification: false, context)
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING:
            // A new https connection dropped around the handshake is a TLS
            // problem, typically a server refusing our client certificate: with
            // TLS 1.3 that refusal arrives after the handshake, as an alert or a reset.
            if outcome.failedAroundTLSHandshake || detail.contains("SSL") || detail.contains("alert") {
                return tls(detail, verification: false, context)
            }
            if code != CURLE_SEND_ERROR { return connectionLost(detail, context) }
            return unreachable(detail, context)
        case CURLE_PARTIAL_FILE:
            return connectionLost(detail, context)
        default:
            return KubeError(reason: "Unreachable", message:
                "\(context.request) to the API server at \(context.server) failed: \(detail).")
        }
    }

    /// The request went out and the answer did not come back: a write may
    /// have been carried out. The client never repeats it by itself.
    private static func connectionLost(_ detail: String, _ context: ErrorContext) -> KubeError {
        KubeError(reason: "ConnectionLost", message:
            "The connection to the API server at \(context.server) was lost after \(context.request) was sent (\(detail)); "
            + "the server may have carried it out.")
    }

    private static func unreachable(_ detail: String, _ context: ErrorContext) -> KubeError {
        KubeError(reason: "Unreachable", message:
            "Cannot reach the Kubernetes API server at \(context.server) (\(detail)). "
            + "Check that the cluster is running and that the kubeconfig context \"\(context.contextName)\" "
            + "points at it (kubectl cluster-info).")
    }

    private static func tls(_ detail: String, verification: Bool, _ context: ErrorContext) -> KubeError {
        var advice: String
        if verification {
            let trusted = context.certificateAuthorityOrigin ?? "the system's trusted certificate authorities"
            advice = "The server's certificate is not trusted by \(trusted), or does not match the server's name. "
                + "Fix certificate-authority(-data) or tls-server-name of cluster \"\(context.clusterName)\"."
        } else {
            advice = "Check the cluster's address and TLS settings, and "
            advice += context.hasClientCertificate
                ? "whether the server accepts the client certificate of user \"\(context.userName)\"."
                : "whether the server requires a client certificate (user \"\(context.userName)\" has none)."
        }
        return KubeError(reason: "TLS", message:
            "TLS with the API server at \(context.server) failed: \(detail). \(advice)")
    }

    static func formatDuration(_ milliseconds: Int) -> String {
        milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(milliseconds)ms"
    }
}
