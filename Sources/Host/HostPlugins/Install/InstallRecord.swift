import Foundation
import KFJSON

/// What `plugin install` verified, kept beside the plugin as
/// `kfmcp-install.json` so `plugins list` can say where a plugin came from,
/// its digest and who signed it.
public struct InstallRecord: Sendable {
    public struct Signer: Sendable {
        public var keyID: String
        public var keyFile: String
        public var trustedComment: String?
    }

    public var name: String
    public var source: String
    /// archive, directory or library.
    public var form: String
    public var library: String
    public var libraryPath: String?
    /// Of the file a --sha256/--sig covers (the archive, the .so, a directory's SHA256SUMS).
    public var sha256: String?
    public var librarySHA256: String?
    public var signer: Signer?
    /// "sha256" (--sha256 matched), "SHA256SUMS", "minisign".
    public var verifiedBy: [String] = []

    public var json: JSON {
        var o: [String: JSON] = [
            "name": .string(name), "source": .string(source), "form": .string(form), "library": .string(library),
            "verified_by": .array(verifiedBy.map { .string($0) }),
        ]
        o["sha256"] = sha256.map { .string($0) } ?? .null
        o["library_sha256"] = librarySHA256.map { .string($0) } ?? .null
        o["signer"] = signer.map { s in
            .object(["key_id": .string(s.keyID), "key_file": .string(s.keyFile), "trusted_comment": s.trustedComment.map { .string($0) } ?? .null])
        } ?? .null
        return .object(o)
    }

    /// The library's digest now, to compare with the one verified at install.
    public static func currentSHA256(of path: String) -> String? { SHA256.hex(ofFile: path) }

    /// The record beside `libraryPath`, when that library is an installed plugin's.
    public static func of(library libraryPath: String) -> InstallRecord? {
        directory(of: libraryPath).flatMap(read(directory:))
    }

    /// Only an absolute library path has a directory we installed into; a
    /// refused entry may name "." or a bare file name (and Foundation's path
    /// helpers trap on some of those).
    private static func directory(of libraryPath: String) -> String? {
        guard libraryPath.hasPrefix("/"), let slash = libraryPath.lastIndex(of: "/") else { return nil }
        return String(libraryPath[..<slash])
    }

    /// Why the loader refuses `library`, whose bytes it is about to run from
    /// `copy` (its private copy): an installed plugin runs only with the
    /// library `plugin install` verified. A library with no record beside it
    /// is not ours to judge (nil); a record that is there but unreadable,
    /// untrusted or without a digest refuses, since nothing can be checked.
    static func tamperProblem(library: String, copy: String) -> String? {
        guard let directory = directory(of: library) else { return nil }
        let recordPath = directory + "/" + PluginPackage.record
        var st = stat()
        guard lstat(recordPath, &st) == 0 else { return nil }
        let name = (directory as NSString).lastPathComponent
        let reinstall = "reinstall it: kubeflow-mcp plugin install SOURCE (or remove it: kubeflow-mcp plugin remove \(name))"
        guard let record = read(directory: directory) else {
            return "installed plugin '\(name)': its install record \(recordPath) cannot be read or is not trusted, so its library "
                + "cannot be checked against the digest verified at install; \(reinstall)"
        }
        let fileName = (library as NSString).lastPathComponent
        guard record.library == fileName else {
            return "installed plugin '\(record.name)': \(library) is not the library its install record names (\(record.library)); \(reinstall)"
        }
        guard let recorded = record.librarySHA256 else {
            return "installed plugin '\(record.name)': its install record \(recordPath) holds no library digest; \(reinstall)"
        }
        let current = SHA256.hex(ofFile: copy) ?? "unreadable"
        guard current == recorded else {
            return "installed plugin '\(record.name)': its library \(library) has SHA-256 \(current), but the one verified at install "
                + "has \(recorded) (\(recordPath)); the file changed after install and is not run: reinstall it: "
                + "kubeflow-mcp plugin install \(record.source) (or remove it: kubeflow-mcp plugin remove \(record.name))"
        }
        return nil
    }

    /// The record in an installed plugin's directory, when there is one the
    /// loader's trust rule accepts.
    public static func read(directory: String) -> InstallRecord? {
        let path = directory + "/" + PluginPackage.record
        guard FileTrust.problem(path: path) == nil, let data = FileManager.default.contents(atPath: path),
            let json = try? JSON.parse(String(decoding: data, as: UTF8.self)), let o = json.object,
            let name = o["name"]?.string, let source = o["source"]?.string, let library = o["library"]?.string
        else { return nil }
        var record = InstallRecord(name: name, source: source, form: o["form"]?.string ?? "?", library: library)
        record.libraryPath = directory + "/" + library
        record.sha256 = o["sha256"]?.string
        record.librarySHA256 = o["library_sha256"]?.string
        record.verifiedBy = o["verified_by"]?.array?.compactMap { $0.string } ?? []
        if let s = o["signer"]?.object, let id = s["key_id"]?.string {
            record.signer = Signer(keyID: id, keyFile: s["key_file"]?.string ?? "?", trustedComment: s["trusted_comment"]?.string)
        }
        return record
    }
}
