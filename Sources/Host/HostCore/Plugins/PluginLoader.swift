import Foundation
import KFJSON
import PluginABI

/// Finds plugin files, checks they can be trusted, dlopens them and accepts or
/// refuses each manifest. A bad plugin never takes the host down: it is
/// skipped with one line on stderr and a record for `plugins list`.
public struct PluginLoader {
    let runtime: HostRuntime
    let searchPath: PluginSearchPath

    public init(runtime: HostRuntime, searchPath: PluginSearchPath) {
        self.runtime = runtime
        self.searchPath = searchPath
    }

    private var log: Log { runtime.log }

    /// Load everything found, in search-path order, files sorted by name.
    public func loadAll() {
        let candidates = discover()
        var seen = Set<FileIdentity>()
        for candidate in candidates {
            if let problem = candidate.problem {
                refuse(PluginRecord(path: candidate.path, origin: candidate.origin, status: .refused), problem)
                continue
            }
            guard let identity = FileIdentity(path: candidate.path) else {
                refuse(PluginRecord(path: candidate.path, origin: candidate.origin, status: .refused),
                       "the library named by \(candidate.origin) does not exist")
                continue
            }
            // The same file reached twice (symlink, a directory listed twice) loads once.
            guard seen.insert(identity).inserted else { continue }
            if candidate.disabled {
                let record = PluginRecord(path: candidate.path, origin: candidate.origin, status: .disabled,
                                          reason: "disabled by \(candidate.directiveSource ?? "plugins.d")")
                runtime.registry.add(record: record)
                log.info("plugin \(candidate.path) is disabled by \(candidate.directiveSource ?? "plugins.d")", source: "loader")
                continue
            }
            load(candidate)
        }
    }

    // MARK: Discovery

    struct Candidate {
        var path: String
        var origin: String
        var config: JSON = [:]
        var disabled = false
        var directiveSource: String?
        var problem: String?
    }

    /// What a plugins.d YAML entry says about one library (first entry wins).
    struct Directive {
        var enabled: Bool
        var config: JSON
        var source: String
    }

    func discover() -> [Candidate] {
        var libraries: [Candidate] = []
        var directives: [String: Directive] = [:]  // by library file name
        let fm = FileManager.default
        for entry in searchPath.entries {
            guard let names = try? fm.contentsOfDirectory(atPath: entry.directory) else { continue }
            for name in names.sorted() {
                if let prefix = entry.namePrefix, !name.hasPrefix(prefix) { continue }
                let path = entry.directory + "/" + name
                let origin = "\(entry.origin) \(entry.directory)"
                if name.hasSuffix(".so") || name.hasSuffix(".dylib") {
                    libraries.append(Candidate(path: path, origin: origin))
                } else if name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                    switch PluginEntryFile.read(path: path) {
                    case .failure(let problem):
                        libraries.append(Candidate(path: path, origin: origin, problem: problem.message))
                    case .success(let file):
                        let key = (file.library as NSString).lastPathComponent
                        if directives[key] == nil {
                            directives[key] = Directive(enabled: file.enabled, config: file.config, source: path)
                        }
                        // An entry that points at a library elsewhere adds it here.
                        if file.enabled, let resolved = file.resolvedLibraryPath {
                            libraries.append(Candidate(path: resolved, origin: "entry \(path)"))
                        }
                    }
                }
            }
        }
        return libraries.map { candidate in
            var c = candidate
            if let d = directives[(c.path as NSString).lastPathComponent] {
                c.config = d.config
                c.disabled = !d.enabled
                c.directiveSource = d.source
            }
            return c
        }
    }

    // MARK: Loading one library

    private func refuse(_ record: PluginRecord, _ reason: String) {
        var r = record
        r.status = .refused
        r.reason = reason
        runtime.registry.add(record: r)
        log.error("refused plugin \(record.path): \(reason)", source: "loader")
    }

    private func load(_ candidate: Candidate) {
        var record = PluginRecord(path: candidate.path, origin: candidate.origin, status: .refused)
        if let problem = FileTrust.problem(path: candidate.path) { return refuse(record, problem) }

        guard let handle = dlopen(candidate.path, RTLD_NOW | RTLD_LOCAL) else {
            let why = dlerror().map { String(cString: $0) } ?? "unknown error"
            return refuse(record, "dlopen failed: \(why)")
        }
        // Never dlclose: a Swift or Rust runtime torn down under us crashes later.
        guard let symbol = dlsym(handle, KFMCP_ENTRY_SYMBOL) else {
            for major in 2...9 where dlsym(handle, "kfmcp_plugin_entry_v\(major)") != nil {
                return refuse(record, "plugin built for ABI \(major).x; this host speaks \(KFMCP_ABI_MAJOR).\(KFMCP_ABI_MINOR)")
            }
            return refuse(record, "no \(KFMCP_ENTRY_SYMBOL) symbol: not a kubeflow-mcp plugin")
        }
        let entry = unsafeBitCast(symbol, to: kfmcp_plugin_entry_v1_fn.self)
        let context = PluginContext(name: (candidate.path as NSString).lastPathComponent, config: candidate.config,
                                    runtime: runtime)
        let host = HostServices.makeHost(for: context)
        guard let manifest = entry(host) else {
            return refuse(record, "its entry function returned NULL (the plugin declined to load; see its log lines)")
        }
        switch ManifestReader.read(manifest, registry: runtime.registry) {
        case .failure(let problem):
            record.pluginID = problem.pluginID
            refuse(record, problem.message)
        case .success(let read):
            context.name = read.id
            record.status = .loaded
            record.pluginID = read.id
            record.version = read.version
            record.builtWith = read.builtWith
            record.abi = read.abi
            record.tools = read.tools.map(\.name)
            record.backends = read.backends.map(\.id)
            let plugin = LoadedPlugin(id: read.id, path: candidate.path, tools: read.tools, backends: read.backends,
                                      instructions: read.instructions,
                                      clusterScopedReads: read.clusterScopedReads, functions: read.functions, host: host)
            runtime.registry.add(plugin: plugin, record: record)
            log.info("loaded plugin \(read.id) \(read.version) from \(candidate.path): \(read.tools.count) tools, \(read.backends.count) backends",
                     source: "loader")
        }
    }
}

/// (device, inode): the identity of a file however it is reached.
struct FileIdentity: Hashable {
    let device: UInt64
    let inode: UInt64

    init?(path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
    }
}

/// sshd StrictModes for plugins: code that others could have replaced is not run.
enum FileTrust {
    static func problem(path: String) -> String? {
        let real = (path as NSString).resolvingSymlinksInPath
        for (what, p) in [("file", real), ("directory", (real as NSString).deletingLastPathComponent)] {
            var st = stat()
            guard stat(p, &st) == 0 else { return "cannot stat \(what) \(p)" }
            if st.st_mode & (S_IWGRP | S_IWOTH) != 0 {
                return "the plugin \(what) \(p) is writable by group or others; fix with: chmod go-w \(p)"
            }
            if st.st_uid != 0 && st.st_uid != geteuid() {
                return "the plugin \(what) \(p) is owned by uid \(st.st_uid), neither root nor the user running the host"
            }
        }
        return nil
    }
}
