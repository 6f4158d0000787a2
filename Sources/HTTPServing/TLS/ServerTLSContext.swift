import COpenSSL
import Foundation

/// An OpenSSL server context: the certificate and key, and whom to ask for client certificates.
public final class ServerTLSContext: @unchecked Sendable {
    // @unchecked: an SSL_CTX is safe to share between threads once configured,
    // and nothing changes it after init.
    let context: OpaquePointer
    /// Whether clients may present certificates (a client CA is configured).
    let verifiesClients: Bool
    /// The server certificate as PEM text, for kubeconfigs' certificate-authority-data.
    public let certificatePEM: String

    public init(_ options: TLSOptions) throws {
        guard let pem = try? String(contentsOfFile: options.certificatePath, encoding: .utf8) else {
            throw TLSSetupError(description: "cannot read the TLS certificate \(options.certificatePath)")
        }
        guard let context = SSL_CTX_new(TLS_server_method()) else {
            throw Self.error("cannot create a TLS context")
        }
        // Every property is set before the first throw below, so deinit frees the context.
        self.context = context
        certificatePEM = pem
        verifiesClients = options.clientCAPath != nil
        _ = kfsim_ctx_set_min_tls12(context)
        kfsim_ctx_set_pump_modes(context)
        guard SSL_CTX_use_certificate_chain_file(context, options.certificatePath) == 1 else {
            throw Self.error("cannot load the TLS certificate \(options.certificatePath)")
        }
        guard SSL_CTX_use_PrivateKey_file(context, options.keyPath, SSL_FILETYPE_PEM) == 1 else {
            throw Self.error("cannot load the TLS key \(options.keyPath)")
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            throw Self.error("the TLS key \(options.keyPath) does not match the certificate")
        }
        if let caPath = options.clientCAPath {
            guard SSL_CTX_load_verify_locations(context, caPath, nil) == 1 else {
                throw Self.error("cannot load the client CA \(caPath)")
            }
            // Tell clients which CA we accept (Go clients, like kubectl, only send a matching certificate).
            if let names = SSL_load_client_CA_file(caPath) { SSL_CTX_set_client_CA_list(context, names) }
            // PEER without FAIL_IF_NO_PEER_CERT: a certificate is optional (tokens
            // still work), but one that does not verify ends the handshake.
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
            // Session resumption with client verification needs a session id
            // context, or OpenSSL refuses the resumed handshake. Clients resume
            // whenever they open a second connection (kubeflow-mcp does for every POST).
            let sessionContext = Array("kubeflow-sim".utf8)
            _ = SSL_CTX_set_session_id_context(context, sessionContext, UInt32(sessionContext.count))
        }
    }

    deinit { SSL_CTX_free(context) }

    /// The last OpenSSL error as text (empties OpenSSL's per-thread error queue).
    static func lastError() -> String {
        var messages: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [UInt8](repeating: 0, count: 256)
            buffer.withUnsafeMutableBytes { ERR_error_string_n(code, $0.baseAddress, $0.count) }
            messages.append(String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self))
        }
        return messages.joined(separator: "; ")
    }

    private static func error(_ what: String) -> TLSSetupError {
        let detail = lastError()
        return TLSSetupError(description: what + (detail.isEmpty ? "" : " (\(detail))"))
    }
}
