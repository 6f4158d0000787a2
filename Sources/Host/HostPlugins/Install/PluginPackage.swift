import Foundation

/// What `plugin install` was given, read into memory and checked for shape
/// before anything is verified or written: a `.tar.gz` archive (layout in
/// PluginArchive), a plugin directory with the same flat layout, or a lone
/// `.so`. `artifact` is the file a `--sha256` digest or a `--sig` signature
/// covers: the archive, the library, or a directory's SHA256SUMS.
struct PluginPackage {
    enum Form: String { case archive, directory, library }

    var form: Form
    var source: String
    var name: String
    var files: [String: Data]
    var artifact: String

    static let checksums = "SHA256SUMS"
    static let checksumSignature = "SHA256SUMS.minisig"
    static let record = "kfmcp-install.json"

    /// Which form `path` is, resolved, after the loader's trust rule: nobody
    /// else could have swapped what is verified.
    static func locate(_ path: String) throws -> (form: Form, source: String) {
        let source = realPath(path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDir) else {
            throw InstallRefusal("\(path) does not exist; give a plugin .tar.gz, a plugin directory or a .so")
        }
        if let problem = FileTrust.problem(path: source) { throw InstallRefusal(problem) }
        if isDir.boolValue { return (.directory, source) }
        if source.hasSuffix(".tar.gz") || source.hasSuffix(".tgz") { return (.archive, source) }
        if source.hasSuffix(".so") { return (.library, source) }
        throw InstallRefusal("\(path) is neither a directory, a .tar.gz/.tgz archive nor a .so library")
    }

    /// The package's files. An archive or library is read from `copy`, the
    /// private copy whose digest and signature were already checked.
    static func read(form: Form, source: String, copy: String?, maxBytes: Int) throws -> PluginPackage {
        let package: PluginPackage
        switch form {
        case .directory:
            package = try readDirectory(source, maxBytes: maxBytes)
        case .archive:
            let archive = try PluginArchive.read(path: copy ?? source, maxBytes: maxBytes, shownAs: source)
            package = PluginPackage(form: .archive, source: source, name: archive.name, files: archive.files, artifact: source)
        case .library:
            let file = (source as NSString).lastPathComponent
            let data = try readRegular(copy ?? source, maxBytes: maxBytes)
            var name = String(file.dropLast(3))
            if name.hasPrefix("lib") { name.removeFirst(3) }
            package = PluginPackage(form: .library, source: source, name: name.replacingOccurrences(of: "_", with: "-"),
                                    files: [file: data], artifact: source)
        }
        try package.checkShape()
        return package
    }

    private static func readDirectory(_ dir: String, maxBytes: Int) throws -> PluginPackage {
        var files: [String: Data] = [:]
        var total = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: dir).sorted() {
            let data = try readRegular(dir + "/" + file, maxBytes: maxBytes - total)
            total += data.count
            files[file] = data
        }
        let name = (dir as NSString).lastPathComponent
        return PluginPackage(form: .directory, source: dir, name: name, files: files, artifact: dir + "/" + checksums)
    }

    /// A regular file, not through a symlink, within the size left.
    static func readRegular(_ path: String, maxBytes: Int) throws -> Data {
        var st = stat()
        guard lstat(path, &st) == 0 else { throw InstallRefusal("cannot stat \(path)") }
        guard st.st_mode & S_IFMT == S_IFREG else {
            let what = st.st_mode & S_IFMT == S_IFLNK ? "a symlink" : st.st_mode & S_IFMT == S_IFDIR ? "a directory" : "not a regular file"
            throw InstallRefusal("\(path) is \(what); a plugin directory holds regular files only")
        }
        guard Int(st.st_size) <= maxBytes else {
            throw InstallRefusal("\(path) is larger than the \(maxBytes / (1 << 20)) MiB left under the cap (--max-size-mb)")
        }
        if let problem = FileTrust.problem(path: path) { throw InstallRefusal(problem) }
        guard let data = FileManager.default.contents(atPath: path) else { throw InstallRefusal("cannot read \(path)") }
        return data
    }

    static func validName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first), name.count <= 64 else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
    }

    private func checkShape() throws {
        guard Self.validName(name) else {
            throw InstallRefusal("the plugin's install name '\(name)' (the \(form == .library ? "library's file name" : "top directory")) "
                          + "must match [a-z][a-z0-9_-]{0,63}")
        }
        for file in files.keys {
            let ok = !file.hasPrefix(".") && file.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) && $0.isASCII || "._-+".unicodeScalars.contains($0)
            }
            guard ok else { throw InstallRefusal("the file name '\(file)' is refused (letters, digits, . _ - + only, not hidden)") }
            guard file != Self.record else { throw InstallRefusal("\(Self.record) is written by the installer; a package must not carry one") }
        }
        let libraries = files.keys.filter { $0.hasSuffix(".so") }.sorted()
        guard libraries.count == 1 else {
            throw InstallRefusal("a plugin package holds exactly one .so; \(source) has \(libraries.isEmpty ? "none" : libraries.joined(separator: ", "))")
        }
    }

    var library: String { files.keys.first { $0.hasSuffix(".so") }! }
}
