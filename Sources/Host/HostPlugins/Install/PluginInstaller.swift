import Foundation
import KFJSON

/// Why an install or a removal was refused: one sentence naming the file or
/// entry at fault and, where there is one, the fix.
public struct InstallRefusal: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// `kubeflow-mcp plugin install` and `plugin remove`. An install reads the
/// package (PluginPackage), verifies it (a SHA-256 and, when the operator
/// configured trusted keys, a minisign signature), then lands it atomically:
/// everything is written into a hidden staging directory beside the target,
/// renamed to `<plugins.d>/NAME/`, and only then is the entry `NAME.yaml`
/// that makes the loader see it renamed into place. The loader applies its
/// usual trust checks and, as for every file that is not the host's own,
/// runs the plugin isolated.
///
/// Installing a NAME that is installed already upgrades it: the new package
/// is verified in full first; then the old directory is renamed aside, the
/// new one into place, and the old one deleted (any failure on the way puts
/// the old one back). A running server is untouched, since it runs private
/// copies, until a reload (SIGHUP) loads the new version.
public struct PluginInstaller {
    public struct Request {
        public var source: String
        public var sha256: String?
        public var signature: String?
        public var pluginsDirectory: String
        public var trustedKeysDirectory: String?
        public var environment: [String: String]
        public var maxBytes: Int
        /// Replace a NAME/ or NAME.yaml that `plugin install` did not make.
        public var force: Bool

        public init(source: String, sha256: String?, signature: String?, pluginsDirectory: String,
                    trustedKeysDirectory: String?, environment: [String: String], maxBytes: Int, force: Bool = false) {
            self.source = source
            self.sha256 = sha256
            self.signature = signature
            self.pluginsDirectory = pluginsDirectory
            self.trustedKeysDirectory = trustedKeysDirectory
            self.environment = environment
            self.maxBytes = maxBytes
            self.force = force
        }
    }

    /// What an install put in place, and what was there before it.
    public struct Installed {
        public var record: InstallRecord
        public var replaced: Replaced
    }

    public enum Replaced {
        case nothing
        /// An upgrade: the record of the version it replaced.
        case installed(InstallRecord)
        /// With --force: a directory or entry without an install record.
        case unrecorded
    }

    /// Installs or upgrades; the record written beside the plugin.
    public static func install(_ request: Request) throws -> Installed {
        do {
            return try installChecked(request)
        } catch let r as InstallRefusal { throw r } catch {
            throw InstallRefusal("\(error)")
        }
    }

    private static func installChecked(_ request: Request) throws -> Installed {
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
        let replaced = try replaceable(name: package.name, target: target, entry: entry, request: request)
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
        try land(staged, at: target, entry: entry, library: package.name + "/" + package.library, work: work)
        return Installed(record: record, replaced: replaced)
    }

    /// What installing NAME would replace; refused when it is not ours and --force was not given.
    private static func replaceable(name: String, target: String, entry: String, request: Request) throws -> Replaced {
        let targetThere = exists(target), entryThere = exists(entry)
        guard targetThere || entryThere else { return .nothing }
        if targetThere, let old = InstallRecord.read(directory: target) { return .installed(old) }
        guard request.force else {
            let what = targetThere ? "\(target)/" : entry
            throw InstallRefusal("\(what) exists and was not installed by `plugin install` (no \(PluginPackage.record) in "
                                 + "\(target)/), so it is not replaced: move it away, or pass --force to replace it")
        }
        return .unrecorded
    }

    /// lstat: a symlink counts, whatever it points at.
    private static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// Puts the verified `staged` directory at `target` and makes the entry
    /// name `library`. Whatever was at `target` is renamed aside first and
    /// deleted last; on any failure it is renamed back. An entry that already
    /// names `library` is kept (with the operator's config and isolation).
    private static func land(_ staged: String, at target: String, entry: String, library: String, work: String) throws {
        let aside = work + "/previous"
        let hadTarget = exists(target)
        if hadTarget { try move(target, to: aside) }
        do {
            try move(staged, to: target)
        } catch {
            if hadTarget { try? move(aside, to: target) }
            throw error
        }
        let keepEntry = (try? PluginEntryFile.read(path: entry).get())?.library == library
        if !keepEntry {
            // The entry last: until it is in place the loader does not see the plugin.
            let tmpEntry = work + "/entry.yaml"
            let name = (target as NSString).lastPathComponent
            let yaml = "# Written by `kubeflow-mcp plugin install` (record: \(name)/\(PluginPackage.record));\n"
                + "# `kubeflow-mcp plugin remove \(name)` deletes it.\nlibrary: \(library)\n"
            do {
                try yaml.write(toFile: tmpEntry, atomically: false, encoding: .utf8)
                try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: tmpEntry)
                try move(tmpEntry, to: entry, replacing: true)
            } catch {
                try? move(target, to: work + "/failed")
                if hadTarget { try? move(aside, to: target) }
                throw error
            }
        }
        if hadTarget { try? FileManager.default.removeItem(atPath: aside) }
    }

    /// rename(2): atomic on one file system. A directory never lands on an
    /// existing one; a file replaces one only when `replacing`.
    private static func move(_ from: String, to: String, replacing: Bool = false) throws {
        if !replacing, exists(to) { throw InstallRefusal("cannot rename \(from) to \(to): it exists") }
        guard rename(from, to) == 0 else {
            throw InstallRefusal("cannot rename \(from) to \(to): \(String(cString: strerror(errno)))")
        }
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
