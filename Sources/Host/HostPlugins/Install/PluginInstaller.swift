import Foundation
import KFJSON

/// `kubeflow-mcp plugin install` and `plugin remove`. An install reads the
/// package (PluginPackage), verifies it (a SHA-256 and, when the operator
/// configured trusted keys, a minisign signature), then lands it atomically:
/// everything is written into a hidden staging directory beside the target,
/// renamed to `<plugins.d>/NAME/`, and only then is the entry `NAME.yaml`
/// that makes the loader see it renamed into place. The loader applies its
/// usual trust checks and, as for every file that is not the host's own,
/// runs the plugin isolated.
/// Why an install or a removal was refused: one sentence naming the file or
/// entry at fault and, where there is one, the fix.
public struct InstallRefusal: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

public struct PluginInstaller {
    public struct Request {
        public var source: String
        public var sha256: String?
        public var signature: String?
        public var pluginsDirectory: String
        public var trustedKeysDirectory: String?
        public var environment: [String: String]
        public var maxBytes: Int

        public init(source: String, sha256: String?, signature: String?, pluginsDirectory: String,
                    trustedKeysDirectory: String?, environment: [String: String], maxBytes: Int) {
            self.source = source
            self.sha256 = sha256
            self.signature = signature
            self.pluginsDirectory = pluginsDirectory
            self.trustedKeysDirectory = trustedKeysDirectory
            self.environment = environment
            self.maxBytes = maxBytes
        }
    }

    /// Installs and returns the record written beside the plugin.
    public static func install(_ request: Request) throws -> InstallRecord {
        do {
            return try installChecked(request)
        } catch let r as InstallRefusal { throw r } catch {
            throw InstallRefusal( "\(error)")
        }
    }

    private static func installChecked(_ request: Request) throws -> InstallRecord {
        let keys = try TrustedKeys.load(explicit: request.trustedKeysDirectory, environment: request.environment)
        let package = try PluginPackage.read(request.source, maxBytes: request.maxBytes)
        let target = request.pluginsDirectory + "/" + package.name
        let entry = request.pluginsDirectory + "/" + package.name + ".yaml"
        let fm = FileManager.default
        guard !fm.fileExists(atPath: target), !fm.fileExists(atPath: entry) else {
            throw InstallRefusal( "a plugin named '\(package.name)' is already in \(request.pluginsDirectory); "
                          + "remove it first: kubeflow-mcp plugin remove \(package.name)")
        }
        try fm.createDirectory(atPath: request.pluginsDirectory, withIntermediateDirectories: true,
                               attributes: [.posixPermissions: 0o755])
        // The loader would refuse everything in an untrusted directory; refuse before writing into it.
        if let problem = FileTrust.problem(path: request.pluginsDirectory) { throw InstallRefusal( problem) }
        let staging = request.pluginsDirectory + "/.install-\(package.name)-\(getpid())"
        try? fm.removeItem(atPath: staging)
        try fm.createDirectory(atPath: staging, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        do {
            for (file, data) in package.files {
                let path = staging + "/" + file
                guard fm.createFile(atPath: path, contents: data, attributes: [.posixPermissions: file.hasSuffix(".so") ? 0o755 : 0o644]) else {
                    throw InstallRefusal( "cannot write \(path)")
                }
            }
            var record = try verify(package, staged: staging, request: request, keys: keys)
            record.libraryPath = target + "/" + package.library
            try record.json.pretty().write(toFile: staging + "/" + PluginPackage.record, atomically: false, encoding: .utf8)
            try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: staging)
            if let problem = FileTrust.problem(path: staging + "/" + package.library) { throw InstallRefusal( problem) }
            try fm.moveItem(atPath: staging, toPath: target)
            let tmpEntry = request.pluginsDirectory + "/.\(package.name).yaml.tmp"
            let yaml = "# Written by `kubeflow-mcp plugin install` (record: \(package.name)/\(PluginPackage.record));\n"
                + "# `kubeflow-mcp plugin remove \(package.name)` deletes it.\nlibrary: \(package.name)/\(package.library)\n"
            try yaml.write(toFile: tmpEntry, atomically: false, encoding: .utf8)
            try fm.setAttributes([.posixPermissions: 0o644], ofItemAtPath: tmpEntry)
            try fm.moveItem(atPath: tmpEntry, toPath: entry)
            return record
        } catch {
            try? fm.removeItem(atPath: staging)
            throw error
        }
    }

    /// The checks, on the staged copy (what lands is what was verified).
    private static func verify(_ package: PluginPackage, staged: String, request: Request, keys: TrustedKeys?) throws -> InstallRecord {
        // The file a --sha256 or --sig covers; a directory's lives in the staged copy.
        let artifact = package.form == .directory ? staged + "/" + PluginPackage.checksums : package.artifact
        let artifactName = package.form == .directory ? "\(package.source)/\(PluginPackage.checksums)" : package.source
        if package.form == .directory, request.sha256 != nil || request.signature != nil,
            package.files[PluginPackage.checksums] == nil
        {
            throw InstallRefusal( "--sha256 and --sig cover a plugin directory's \(PluginPackage.checksums), and \(package.source) has none; "
                          + "make it with: (cd \(package.source) && sha256sum * > \(PluginPackage.checksums))")
        }
        var record = InstallRecord(name: package.name, source: package.source, form: package.form.rawValue, library: package.library)
        record.sha256 = SHA256.hex(ofFile: artifact)
        record.librarySHA256 = package.files[package.library].map(SHA256.hex(of:))

        if let given = request.sha256 {
            let want = given.lowercased()
            guard want.count == 64, want.allSatisfy(\.isHexDigit) else {
                throw InstallRefusal( "--sha256 must be 64 hex digits (sha256sum prints them); got '\(given)'")
            }
            guard record.sha256 == want else {
                throw InstallRefusal( "checksum mismatch for \(artifactName): SHA-256 is \(record.sha256 ?? "unreadable"), --sha256 said \(want); "
                              + "the file is not the one you meant to install (download it again, or check the digest's source)")
            }
            record.verifiedBy.append("sha256")
        }
        if let sums = package.files[PluginPackage.checksums] {
            try checkSums(sums, package: package)
            record.verifiedBy.append(PluginPackage.checksums)
        }

        let embedded = package.files[PluginPackage.checksumSignature] != nil ? staged + "/" + PluginPackage.checksumSignature : nil
        if let keys {
            let (file, signature, what): (String, String, String)
            if let given = request.signature {
                (file, signature, what) = (artifact, given, artifactName)
            } else if let embedded {
                (file, signature, what) = (staged + "/" + PluginPackage.checksums, embedded, "\(package.name)/\(PluginPackage.checksums)")
            } else if package.form != .directory, FileManager.default.fileExists(atPath: package.source + ".minisig") {
                (file, signature, what) = (artifact, package.source + ".minisig", artifactName)
            } else {
                throw InstallRefusal( "\(package.source) carries no signature, and trusted keys are configured in \(keys.directory): "
                              + "pass --sig FILE (minisign -Sm \((artifactName as NSString).lastPathComponent)) or ship \(PluginPackage.checksumSignature)")
            }
            if file.hasSuffix(PluginPackage.checksums), package.files[PluginPackage.checksums] == nil {
                throw InstallRefusal( "the signature covers \(PluginPackage.checksums), which \(package.source) lacks")
            }
            let (key, comment) = try keys.verify(file: file, signature: signature, what: what)
            record.signer = InstallRecord.Signer(keyID: key.id, keyFile: key.file, trustedComment: comment)
            record.verifiedBy.append("minisign")
        } else if let given = request.signature {
            throw InstallRefusal( "--sig \(given) cannot be checked: no trusted keys are configured (put the author's minisign "
                          + "public key in \(TrustedKeys.defaultDirectory)/ or pass --trusted-keys DIR)")
        }
        guard !record.verifiedBy.isEmpty else {
            throw InstallRefusal( "nothing to verify \(package.source) against: pass --sha256 HEX (sha256sum \((artifactName as NSString).lastPathComponent)) "
                          + "or ship \(PluginPackage.checksums) in the package")
        }
        return record
    }

    /// `sha256sum` output: every file but the list and its signature listed once, each digest right.
    private static func checkSums(_ data: Data, package: PluginPackage) throws {
        var listed: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[0].count == 64, parts[0].allSatisfy(\.isHexDigit) else {
                throw InstallRefusal( "\(PluginPackage.checksums): '\(line)' is not a `sha256sum` line (HEX  FILE)")
            }
            var file = parts[1]
            if file.hasPrefix(" ") || file.hasPrefix("*") { file.removeFirst() }
            if file.hasPrefix("./") { file.removeFirst(2) }
            listed[file] = parts[0].lowercased()
        }
        for (file, bytes) in package.files.sorted(by: { $0.key < $1.key })
        where file != PluginPackage.checksums && file != PluginPackage.checksumSignature {
            guard let want = listed[file] else {
                throw InstallRefusal( "\(file) is not listed in \(PluginPackage.checksums); every file of the package must be")
            }
            let got = SHA256.hex(of: bytes)
            guard got == want else {
                throw InstallRefusal( "checksum mismatch for \(file): SHA-256 is \(got), \(PluginPackage.checksums) says \(want); "
                              + "the file changed after the list was made")
            }
        }
        if let missing = listed.keys.sorted().first(where: { package.files[$0] == nil }) {
            throw InstallRefusal( "\(PluginPackage.checksums) lists \(missing), which the package does not hold")
        }
    }

    /// Deletes what `install` made: the entry first (the loader stops seeing
    /// the plugin), then the directory. Only a directory with an install
    /// record is touched.
    public static func remove(name: String, pluginsDirectory: String) throws -> InstallRecord {
        guard PluginPackage.validName(name) else {
            throw InstallRefusal( "'\(name)' is not a plugin install name ([a-z][a-z0-9_-]{0,63}; see `kubeflow-mcp plugins list`)")
        }
        let target = pluginsDirectory + "/" + name
        guard let record = InstallRecord.read(directory: target) else {
            throw InstallRefusal( "no plugin '\(name)' was installed by `plugin install` in \(pluginsDirectory)")
        }
        let fm = FileManager.default
        let entry = pluginsDirectory + "/" + name + ".yaml"
        if fm.fileExists(atPath: entry) { try fm.removeItem(atPath: entry) }
        let doomed = pluginsDirectory + "/.remove-\(name)-\(getpid())"
        try fm.moveItem(atPath: target, toPath: doomed)
        try fm.removeItem(atPath: doomed)
        return record
    }
}
