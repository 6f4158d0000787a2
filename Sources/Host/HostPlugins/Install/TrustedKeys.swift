import Foundation

/// The operator's minisign public keys: every `*.pub` in one directory
/// (`/etc/kubeflow-mcp/trusted-keys/` unless `--trusted-keys` or
/// `KFMCP_TRUSTED_KEYS` says otherwise). When the directory holds a key, every
/// install must carry a signature by one of them; verification is Debian's
/// `minisign -V`, never our own crypto.
public struct TrustedKeys: Sendable {
    public static let defaultDirectory = "/etc/kubeflow-mcp/trusted-keys"

    public struct Key: Sendable {
        /// minisign's key id, as `minisign` prints it (upper-case hex, no leading zeros).
        public var id: String
        public var file: String
    }

    public var directory: String
    public var keys: [Key]

    /// nil when no keys are configured (the default directory is absent or
    /// empty). A directory named explicitly must exist and hold a key: an
    /// operator who pointed at keys means signatures are required.
    static func load(explicit: String?, environment: [String: String]) throws -> TrustedKeys? {
        let named = explicit ?? environment["KFMCP_TRUSTED_KEYS"].flatMap { $0.isEmpty ? nil : $0 }
        let directory = named ?? defaultDirectory
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory) else {
            if let named { throw InstallRefusal("trusted key directory \(named) cannot be read; create it or point --trusted-keys elsewhere") }
            return nil
        }
        var keys: [Key] = []
        for name in names.sorted() where name.hasSuffix(".pub") {
            let file = directory + "/" + name
            // A key others could replace would let them sign: the loader's rule for plugin files.
            if let problem = FileTrust.problem(path: file) { throw InstallRefusal("trusted key: \(problem)") }
            guard let id = keyID(publicKeyFile: file) else {
                throw InstallRefusal("trusted key \(file) is not a minisign public key (make one with: minisign -G)")
            }
            keys.append(Key(id: id, file: file))
        }
        if keys.isEmpty {
            if let named { throw InstallRefusal("trusted key directory \(named) holds no *.pub minisign key") }
            return nil
        }
        return TrustedKeys(directory: directory, keys: keys)
    }

    /// The signer's key id, read from a `.minisig` file (its second line).
    static func keyID(signatureFile: String) -> String? { keyID(file: signatureFile, line: 1, length: 74) }
    static func keyID(publicKeyFile: String) -> String? { keyID(file: publicKeyFile, line: 1, length: 42) }

    /// Both files carry base64 of: 2 bytes algorithm, 8 bytes key id (little
    /// endian, printed as one hex number), then the key or signature.
    private static func keyID(file: String, line: Int, length: Int) -> String? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count > line, let raw = Data(base64Encoded: String(lines[line]).trimmingCharacters(in: .whitespaces)),
            raw.count == length
        else { return nil }
        let id = raw[raw.startIndex + 2..<raw.startIndex + 10].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return String(id, radix: 16, uppercase: true)  // minisign's "%" PRIX64: no leading zeros
    }

    /// Checks `signature` over `file`; on success the signer's key id and the
    /// signature's trusted comment.
    func verify(file: String, signature: String, what: String) throws -> (key: Key, trustedComment: String?) {
        guard let id = Self.keyID(signatureFile: signature) else {
            throw InstallRefusal("\(signature) is not a minisign signature (make one with: minisign -Sm \(what))")
        }
        guard let key = keys.first(where: { $0.id == id }) else {
            throw InstallRefusal("\(what) is signed by key \(id), which is not trusted: no key in \(directory) has that id "
                          + "(trusted: \(keys.map(\.id).joined(separator: ", ")))")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/minisign")
        process.arguments = ["-V", "-p", key.file, "-m", file, "-x", signature]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch {
            throw InstallRefusal("cannot run /usr/bin/minisign to check the signature (install Debian's minisign: scripts/setup)")
        }
        let said = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let complaint = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw InstallRefusal("the signature of \(what) by key \(id) does not verify (the file changed after signing, "
                          + "or the signature is damaged): \((complaint + said).trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        let comment = said.split(separator: "\n").first { $0.hasPrefix("Trusted comment: ") }
            .map { String($0.dropFirst("Trusted comment: ".count)) }
        return (key, comment)
    }
}
