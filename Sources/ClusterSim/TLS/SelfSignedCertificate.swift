import Foundation

/// A throwaway server certificate for 127.0.0.1 and localhost, made with the
/// `openssl` command into a private temporary directory (0700).
///
/// For `kubeflow-mcp sim --tls` without a certificate: clients trust it through
/// the kubeconfig's certificate-authority-data, which holds this certificate.
public struct SelfSignedCertificate: Sendable {
    public let directory: URL
    public let options: TLSOptions

    public static func generate() throws -> SelfSignedCertificate {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("kubeflow-sim-tls-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
        let key = directory.appendingPathComponent("server.key").path
        let certificate = directory.appendingPathComponent("server.crt").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")  // openssl from PATH
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-subj", "/CN=kubeflow-sim", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", key, "-out", certificate,
        ]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch {
            try? FileManager.default.removeItem(at: directory)
            throw SimulatorError(description: "cluster simulator: cannot run openssl to make a TLS certificate (\(error)); install openssl or pass --tls-cert and --tls-key")
        }
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            try? FileManager.default.removeItem(at: directory)
            throw SimulatorError(description: "cluster simulator: openssl could not make a TLS certificate: \(String(decoding: output, as: UTF8.self))")
        }
        return SelfSignedCertificate(directory: directory, options: TLSOptions(certificatePath: certificate, keyPath: key))
    }

    /// Deletes the key and certificate (the running server keeps them in memory).
    public func remove() { try? FileManager.default.removeItem(at: directory) }
}
