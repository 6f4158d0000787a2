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
            throw InstallRefusal("\(error)")
        }
    }

    private static func installChecked(_ request: Request) throws -> InstallRecord {
        let keys = try TrustedKeys.load(explicit: request.trustedKeysDirectory, environment: request.environment)
        if keys == nil, let given = request.signature {
            throw InstallRefusal("--sig \(given) cannot be checked: no trusted keys are configured (put the author's minisign "
                                 + "public key in \(TrustedKeys.defaultDirectory)/ or pass --trusted-keys DIR)")
        }
        let (form, source) = try PluginPackage.locate(request.source)
        let fm = FileManager.default
        try fm.createDirectory(atPath: request.pluginsDirectory, withIntermediateDirectories: true,
                               attributes: [.posixPermissions: 0o755])
        // The loader would refuse everything in an untrusted directory; refuse before writing into it.
        if let problem = FileTrust.problem(path: request.pluginsDirectory) { throw InstallRefusal(problem) }
        // Beside the target, so the final step is a rename on one file system.
        let work = request.pluginsDirectory + "/.install-\(getpid())"
        try? fm.removeItem(atPath: work)
        try fm.createDirectory(atPath: work, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? fm.removeItem(atPath: work) }

        // An archive or library: the operator's digest and signature cover the
        // file itself, so they are checked on a private copy before anything
        // parses it, and the package is read from that same copy.
        var checked = Checked()
        var copy: String?
        if form != .directory {
            let path = work + "/artifact"
            let data = try PluginPackage.readRegular(source, maxBytes: request.maxBytes)
            guard fm.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
                throw InstallRefusal("cannot write \(path)")
            }
            checked.sha256 = SHA256.hex(of: data)
            try checkDigest(request.sha256, against: checked.sha256, of: source, into: &checked)
            if let keys, let signature = request.signature ?? existing(source + ".minisig") {
                try checkSignature(signature, of: path, named: source, keys: keys, into: &checked)
            }
            copy = path
        }
        let package = try PluginPackage.read(form: form, source: source, copy: copy, maxBytes: request.maxBytes)
        let target = request.pluginsDirectory + "/" + package.name
        let entry = request.pluginsDirectory + "/" + package.name + ".yaml"
        guard !fm.fileExists(atPath: target), !fm.fileExists(atPath: entry) else {
            throw InstallRefusal("a plugin named '\(package.name)' is already in \(request.pluginsDirectory); "
                                 + "remove it first: kubeflow-mcp plugin remove \(package.name)")
        }
        let staged = work + "/" + package.name
        try fm.createDirectory(atPath: staged, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        for (file, data) in package.files {
            let path = staged + "/" + file
            guard fm.createFile(atPath: path, contents: data, attributes: [.posixPermissions: file.hasSuffix(".so") ? 0o755 : 0o644]) else {
                throw InstallRefusal("cannot write \(path)")
            }
        }
        try checkContents(package, staged: staged, request: request, keys: keys, into: &checked)

        var record = InstallRecord(name: package.name, source: package.source, form: package.form.rawValue, library: package.library)
        record.sha256 = checked.sha256
        record.librarySHA256 = package.files[package.library].map(SHA256.hex(of:))
        record.signer = checked.signer
        record.verifiedBy = checked.verifiedBy
        record.libraryPath = target + "/" + package.library
        try record.json.pretty().write(toFile: staged + "/" + PluginPackage.record, atomically: false, encoding: .utf8)
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: staged)
        if let problem = FileTrust.problem(path: staged + "/" + package.library) { throw InstallRefusal(problem) }
        try fm.moveItem(atPath: staged, toPath: target)
        // The entry last: until it is in place the loader does not see the plugin.
        let tmpEntry = work + "/entry.yaml"
        let yaml = "# Written by `kubeflow-mcp plugin install` (record: \(package.name)/\(PluginPackage.record));\n"
            + "# `kubeflow-mcp plugin remove \(package.name)` deletes it.\nlibrary: \(package.name)/\(package.library)\n"
        try yaml.write(toFile: tmpEntry, atomically: false, encoding: .utf8)
        try fm.setAttributes([.posixPermissions: 0o644], ofItemAtPath: tmpEntry)
        try fm.moveItem(atPath: tmpEntry, toPath: entry)
        return record
    }

    /// What verified the package so far.
    private struct Checked {
        var sha256: String?
        var signer: InstallRecord.Signer?
        var verifiedBy: [String] = []
    }

    private static func existing(_ path: String) -> String? { FileManager.default.fileExists(atPath: path) ? path : nil }

    private static func checkDigest(_ given: String?, against actual: String?, of name: String, into checked: inout Checked) throws {
        guard let given else { return }
        let want = given.lowercased()
        guard want.count == 64, want.allSatisfy(\.isHexDigit) else {
            throw InstallRefusal("--sha256 must be 64 hex digits (sha256sum prints them); got '\(given)'")
        }
        guard actual == want else {
            throw InstallRefusal("checksum mismatch for \(name): SHA-256 is \(actual ?? "unreadable"), --sha256 said \(want); "
                                 + "the file is not the one you meant to install (download it again, or check the digest's source)")
        }
        checked.verifiedBy.append("sha256")
    }

    private static func checkSignature(_ signature: String, of file: String, named name: String, keys: TrustedKeys,
                                       into checked: inout Checked) throws {
        let (key, comment) = try keys.verify(file: file, signature: signature, what: name)
        checked.signer = InstallRecord.Signer(keyID: key.id, keyFile: key.file, trustedComment: comment)
        checked.verifiedBy.append("minisign")
    }

    /// The checks on the staged files: a directory's SHA256SUMS against
    /// --sha256/--sig, every file against SHA256SUMS, the package's own
    /// signature when keys are configured and none covered the file yet.
    private static func checkContents(_ package: PluginPackage, staged: String, request: Request, keys: TrustedKeys?,
                                      into checked: inout Checked) throws {
        let sums = package.files[PluginPackage.checksums]
        let stagedSums = staged + "/" + PluginPackage.checksums
        if package.form == .directory {
            let name = "\(package.source)/\(PluginPackage.checksums)"
            if request.sha256 != nil || request.signature != nil, sums == nil {
                throw InstallRefusal("--sha256 and --sig cover a plugin directory's \(PluginPackage.checksums), and \(package.source) has none; "
                                     + "make it with: (cd \(package.source) && sha256sum * > \(PluginPackage.checksums))")
            }
            checked.sha256 = sums.map(SHA256.hex(of:))
            try checkDigest(request.sha256, against: checked.sha256, of: name, into: &checked)
            if let keys, let signature = request.signature {
                try checkSignature(signature, of: stagedSums, named: name, keys: keys, into: &checked)
            }
        }
        if let sums {
            try checkSums(sums, package: package)
            checked.verifiedBy.append(PluginPackage.checksums)
        }
        if let keys, checked.signer == nil {
            guard package.files[PluginPackage.checksumSignature] != nil else {
                throw InstallRefusal("\(package.source) carries no signature, and trusted keys are configured in \(keys.directory): "
                                     + "pass --sig FILE (minisign -Sm \((package.artifact as NSString).lastPathComponent)) or ship \(PluginPackage.checksumSignature)")
            }
            guard sums != nil else {
                throw InstallRefusal("\(PluginPackage.checksumSignature) covers \(PluginPackage.checksums), which \(package.source) lacks")
            }
            try checkSignature(staged + "/" + PluginPackage.checksumSignature, of: stagedSums,
                               named: "\(package.name)/\(PluginPackage.checksums)", keys: keys, into: &checked)
        }
        guard !checked.verifiedBy.isEmpty else {
            throw InstallRefusal("nothing to verify \(package.source) against: pass --sha256 HEX (sha256sum \((package.artifact as NSString).lastPathComponent)) "
                                 + "or ship \(PluginPackage.checksums) in the package")
        }
    }

    /// `sha256sum` output: every file but the list and its signature listed once, each digest right.
    private static func checkSums(_ data: Data, package: PluginPackage) throws {
        var listed: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[0].count == 64, parts[0].allSatisfy(\.isHexDigit) else {
                throw InstallRefusal("\(PluginPackage.checksums): '\(line)' is not a `sha256sum` line (HEX  FILE)")
            }
            var file = parts[1]
            if file.hasPrefix(" ") || file.hasPrefix("*") { file.removeFirst() }
            if file.hasPrefix("./") { file.removeFirst(2) }
            listed[file] = parts[0].lowercased()
        }
        for (file, bytes) in package.files.sorted(by: { $0.key < $1.key })
        where file != PluginPackage.checksums && file != PluginPackage.checksumSignature {
            guard let want = listed[file] else {
                throw InstallRefusal("\(file) is not listed in \(PluginPackage.checksums); every file of the package must be")
            }
            let got = SHA256.hex(of: bytes)
            guard got == want else {
                throw InstallRefusal("checksum mismatch for \(file): SHA-256 is \(got), \(PluginPackage.checksums) says \(want); "
                              + "the file changed after the list was made")
            }
        }
        if let missing = listed.keys.sorted().first(where: { package.files[$0] == nil }) {
            throw InstallRefusal("\(PluginPackage.checksums) lists \(missing), which the package does not hold")
        }
    }

    /// Deletes what `install` made: the entry first (the loader stops seeing
    /// the plugin), then the directory. Only a directory with an install
    /// record is touched.
    public static func remove(name: String, pluginsDirectory: String) throws -> InstallRecord {
        guard PluginPackage.validName(name) else {
            throw InstallRefusal("'\(name)' is not a plugin install name ([a-z][a-z0-9_-]{0,63}; see `kubeflow-mcp plugins list`)")
        }
        let target = pluginsDirectory + "/" + name
        guard let record = InstallRecord.read(directory: target) else {
            throw InstallRefusal("no plugin '\(name)' was installed by `plugin install` in \(pluginsDirectory)")
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
