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
