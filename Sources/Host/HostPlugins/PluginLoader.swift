import Foundation
import HostBase
import KFJSON
import PluginABI

/// Finds plugin files, checks they can be trusted, dlopens them and accepts or
/// refuses each manifest. A bad plugin never takes the host down: it is
/// skipped with one line on stderr and a record for `plugins list`.
public struct PluginLoader {
    let host: any PluginHost
    /// Where accepted plugins and records go: the host's registry, or a reload's next generation.
    var registry: PluginRegistry
    let searchPath: PluginSearchPath
    /// This executable: its directory holds the first-party plugins, and it is
    /// started as `plugin-host` for plugins that run in a child process.
    let executablePath: String
    /// Library file names of drop-ins the operator's policy file lets run in-process (InProcessPlugins).
    let inProcessAllowed: Set<String>

    package init(host: any PluginHost, searchPath: PluginSearchPath, executablePath: String,
                 inProcessAllowed: Set<String> = []) {
        self.host = host
        self.registry = host.registry
        self.searchPath = searchPath
        self.executablePath = executablePath
        self.inProcessAllowed = inProcessAllowed
    }

    /// The host's own build/install directories: plugins there are first-party
    /// (loaded first, in-process by default); any other file is a drop-in.
    var ownDirectories: [String] {
        let exeDir = (realPath(executablePath) as NSString).deletingLastPathComponent
        return [exeDir, realPath(exeDir + "/../lib/kubeflow-mcp")]
    }

    func isFirstParty(_ path: String) -> Bool {
        let dir = (realPath(path) as NSString).deletingLastPathComponent
        return ownDirectories.contains { dir == $0 || dir.hasPrefix($0 + "/") }
    }

    var log: Log { host.log }

    /// Load everything found, in search-path order, files sorted by name.
    ///
    /// Plugins that load in a child process (isolation: process, and the trial
    /// load of a drop-in asked to run in-process) have their child started
    /// first, all at once, after the file checks: a process start takes longer
    /// than loading every first-party plugin, so it overlaps them. Each is still
    /// accepted in its turn, and nothing of it runs here before its checks pass.
    public func loadAll() { loadAll(previous: nil) }

    /// `previous`: on a reload, the plugins running now. Those whose file is
    /// unchanged are kept as they are (first, so their tools keep their names);
    /// a changed child-run plugin loads again (its old version stays if the new
    /// one is refused); in-process code is only ever replaced at restart.
    func loadAll(previous: [LoadedPlugin]?) {
        // First-party plugins load first: the first to declare a name keeps it,
        // so a drop-in can never take a first-party tool away.
        let found = discover()
        let own = found.map { $0.problem == nil && isFirstParty($0.path) }
        let candidates = found.indices.filter { own[$0] }.map { found[$0] } + found.indices.filter { !own[$0] }.map { found[$0] }
        let running = Dictionary((previous ?? []).map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        var seen = Set<FileIdentity>()
        var seenPaths = Set<String>()
        var kept: [() -> Void] = []
        var changed: [() -> Void] = []
        var turns: [() -> Void] = []
        // A new version of a running plugin loads before new files: its fallback keeps its names.
        func queue(_ old: LoadedPlugin?, _ turn: @escaping () -> Void) {
            if old == nil { turns.append(turn) } else { changed.append(turn) }
        }
        for candidate in candidates {
            let record = PluginRecord(path: candidate.path, origin: candidate.origin, status: .refused)
            let old = running[candidate.path]
            if let old, old.isolation == .inProcess {
                seenPaths.insert(old.path)
                let differs = candidate.problem != nil || candidate.disabled || PrivateCopies.changed(original: old.path, copy: old.copy)
                kept.append { keep(old, pending: differs ? Self.waitingForRestart : nil) }
                continue
            }
            if let problem = candidate.problem {
                turns.append { refuse(record, problem) }
                continue
            }
            guard let identity = FileIdentity(path: candidate.path) else {
                turns.append { refuse(record, "the library named by \(candidate.origin) does not exist") }
                continue
            }
            // The same file reached twice (symlink, a directory listed twice) loads once.
            guard seen.insert(identity).inserted else { continue }
            seenPaths.insert(candidate.path)
            if candidate.disabled {
                turns.append { disable(candidate) }
                continue
            }
            if let old, !PrivateCopies.changed(original: old.path, copy: old.copy) {
                kept.append { keep(old, pending: nil) }
                continue
            }
            if let problem = FileTrust.problem(path: candidate.path) {
                queue(old) { refuse(record, problem, keeping: old) }
                continue
            }
            if let problem = inProcessProblem(candidate) {
                queue(old) { refuse(record, problem, keeping: old) }
                continue
            }
            if previous != nil, old == nil, (candidate.isolation ?? (isFirstParty(candidate.path) ? .inProcess : .process)) == .inProcess {
                turns.append { notYetLoaded(candidate) }
                continue
            }
            let copy: String
            switch PrivateCopies.shared.copy(candidate.path, identity: identity, log: log) {
            case .failure(let problem):
                queue(old) { refuse(record, problem.message, keeping: old) }
                continue
            case .success(let path): copy = path
            }
            // Checked on the copy: the bytes that would run, not a file that could change after the check.
            if let problem = InstallRecord.tamperProblem(library: candidate.path, copy: copy) {
                queue(old) { refuse(record, problem, keeping: old) }
                continue
            }
            let plan = LoadPlan(candidate, copy: copy, previous: old, loader: self)
            queue(old) { load(plan) }
        }
        // In-process code stays mapped whatever happened to its file: its tools stay until restart.
        for old in previous ?? [] where old.isolation == .inProcess && !seenPaths.contains(old.path) {
            kept.append { keep(old, pending: Self.waitingForRestart) }
        }
        for turn in kept + changed + turns {
            turn()
        }
    }

    static let waitingForRestart = "the file on disk differs from the version running in-process (changed, removed or disabled): "
        + "in-process plugins are replaced at restart only; restart the server to load it"

    /// A plugin running before a reload, kept as it is; `pending` says what waits.
    private func keep(_ plugin: LoadedPlugin, pending: String?) {
        var record = host.registry.record(of: plugin)
            ?? PluginRecord(path: plugin.path, origin: "", status: .loaded, pluginID: plugin.id)
        record.pending = pending
        registry.add(plugin: plugin, record: record)
        if let pending { log.warning("plugin \(plugin.id) (\(plugin.path)) keeps running: \(pending)", source: "loader") }
    }

    /// A file found by a reload that would run in-process: in-process code loads at start only.
    private func notYetLoaded(_ candidate: Candidate) {
        var record = PluginRecord(path: candidate.path, origin: candidate.origin, status: .refused,
                                  reason: "found by a reload; it would run in-process, and in-process plugins load at start only")
        record.pending = "restart the server to load it"
        registry.add(record: record)
        log.warning("plugin \(candidate.path) found by a reload runs in-process: it loads at the next restart", source: "loader")
    }

    /// A drop-in runs sandboxed in a child process; in the host's process only
    /// when the operator's policy file names its library.
    func inProcessProblem(_ candidate: Candidate) -> String? {
        let name = (candidate.path as NSString).lastPathComponent
        guard candidate.isolation == .inProcess, !isFirstParty(candidate.path), !inProcessAllowed.contains(name) else { return nil }
        return "\(candidate.directiveSource ?? "its plugins.d entry") asks for isolation: in-process, which a third-party plugin "
            + "gets only when the operator's policy file names it (policy: \(InProcessPlugins.key): [\(name)]); "
            + "without that it runs sandboxed: remove the isolation line"
    }

    private func disable(_ candidate: Candidate) {
        let source = candidate.directiveSource ?? "plugins.d"
        registry.add(record: PluginRecord(path: candidate.path, origin: candidate.origin, status: .disabled,
                                                  reason: "disabled by \(source)"))
        log.info("plugin \(candidate.path) is disabled by \(source)", source: "loader")
    }

    // MARK: Discovery

    struct Candidate {
        var path: String
        var origin: String
        var config: JSON = [:]
        var isolation: PluginIsolation?
        var disabled = false
        var directiveSource: String?
        var problem: String?
    }

    /// What a plugins.d YAML entry says about one library (first entry wins).
    struct Directive {
        var enabled: Bool
        var config: JSON
        var isolation: PluginIsolation?
        var source: String
    }

    func discover() -> [Candidate] {
        var libraries: [Candidate] = []
        var directives: [String: Directive] = [:]  // by library file name
        let fm = FileManager.default
        for entry in searchPath.entries {
            // A relative directory would be found from wherever the host was started (KFMCP_PLUGINS_PATH=.).
            guard entry.directory.hasPrefix("/") else {
                libraries.append(Candidate(path: entry.directory, origin: entry.origin,
                                           problem: "relative plugin directory '\(entry.directory)' from \(entry.origin) is refused: "
                                               + "plugins load only from absolute paths"))
                continue
            }
            guard let names = try? fm.contentsOfDirectory(atPath: entry.directory) else { continue }
            for name in names.sorted() {
                if let prefix = entry.namePrefix, !name.hasPrefix(prefix) { continue }
                let path = entry.directory + "/" + name
                let origin = "\(entry.origin) \(entry.directory)"
                if name.hasSuffix(".so") || name.hasSuffix(".dylib") {
                    libraries.append(Candidate(path: path, origin: origin))
                } else if name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                    // An entry decides what loads and how (isolation, config): trusted like a library.
                    if let problem = FileTrust.problem(path: path) {
                        libraries.append(Candidate(path: path, origin: origin, problem: problem))
                        continue
                    }
                    switch PluginEntryFile.read(path: path) {
                    case .failure(let problem):
                        libraries.append(Candidate(path: path, origin: origin, problem: problem.message))
                    case .success(let file):
                        let key = (file.library as NSString).lastPathComponent
                        if directives[key] == nil {
                            directives[key] = Directive(enabled: file.enabled, config: file.config, isolation: file.isolation, source: path)
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
                c.isolation = d.isolation
                c.disabled = !d.enabled
                c.directiveSource = d.source
            }
            return c
        }
    }

    // MARK: Loading one library

    /// `keeping`: the version running before a reload, which stays when its new file is refused.
    private func refuse(_ record: PluginRecord, _ reason: String, keeping old: LoadedPlugin? = nil) {
        if let old {
            log.error("plugin \(record.path): the new version is refused, version \(host.registry.record(of: old)?.version ?? "?") keeps running: \(reason)",
                      source: "loader")
            return keep(old, pending: "the new file on disk is refused (the running version stays): \(reason)")
        }
        var r = record
        r.status = .refused
        r.reason = reason
        registry.add(record: r)
        log.error("refused plugin \(record.path): \(reason)", source: "loader")
    }

    /// How one trusted file loads, decided before any turn is taken; a child
    /// process it needs is started at once.
    struct LoadPlan {
        let candidate: Candidate
        /// The host's private copy of the file (PrivateCopies): what is dlopened, here or in the child.
        let copy: String
        /// On a reload, the version running now.
        let previous: LoadedPlugin?
        let isolation: PluginIsolation
        let context: PluginContext
        /// The child loading it (isolation: process) or trying it (an in-process drop-in).
        let child: EarlyChild?

        init(_ candidate: Candidate, copy: String, previous: LoadedPlugin?, loader: PluginLoader) {
            self.candidate = candidate
            self.copy = copy
            self.previous = previous
            let firstParty = loader.isFirstParty(candidate.path)
            isolation = candidate.isolation ?? (firstParty ? .inProcess : .process)
            let needsChild = isolation == .process || !firstParty
            context = PluginContext(name: (candidate.path as NSString).lastPathComponent, config: candidate.config,
                                    host: loader.host, turn: Gate(open: !needsChild))
            child = needsChild
                ? EarlyChild(ChildPluginRunner(path: copy, original: candidate.path, executable: loader.executablePath, context: context),
                             trialOnly: isolation == .inProcess)
                : nil
        }
    }

    private func load(_ plan: LoadPlan) {
        let candidate = plan.candidate, isolation = plan.isolation, context = plan.context
        var record = PluginRecord(path: candidate.path, origin: candidate.origin, status: .refused)
        record.isolation = isolation.rawValue

        let raw: RawManifest
        let runner: any PluginRunner
        switch isolation {
        case .process:
            switch plan.child!.result() {
            case .failure(let problem):
                record.pluginID = problem.pluginID
                return refuse(record, problem.message, keeping: plan.previous)
            case .success(let r): (raw, runner) = (r, plan.child!.runner)
            }
        case .inProcess:
            // A drop-in asked to run in-process is first loaded in a child: an
            // entry function that crashes takes only that child down.
            if let trial = plan.child {
                if case .failure(let problem) = trial.result() {
                    record.pluginID = problem.pluginID
                    return refuse(record, problem.message, keeping: plan.previous)
                }
            }
            let entry: kfmcp_plugin_entry_v1_fn
            switch PluginLibrary.entry(path: plan.copy) {
            case .failure(let problem): return refuse(record, problem.message, keeping: plan.previous)
            case .success(let e): entry = e
            }
            let cHost = host.makeHost(for: context)
            guard let manifest = entry(cHost) else { return refuse(record, PluginLibrary.declinedToLoad, keeping: plan.previous) }
            switch RawManifest.copy(manifest) {
            case .failure(let problem):
                record.pluginID = problem.pluginID
                return refuse(record, problem.message, keeping: plan.previous)
            case .success(let r): (raw, runner) = (r, InProcessRunner(manifest: manifest, host: cHost))
            }
        }

        switch ManifestReader.check(raw, registry: registry) {
        case .failure(let problem):
            record.pluginID = problem.pluginID
            runner.shutdown()
            refuse(record, problem.message, keeping: plan.previous)
        case .success(let read):
            context.name = read.id
            (runner as? ChildPluginRunner)?.toolNames = raw.tools.compactMap(\.name)
            record.sandbox = (runner as? ChildPluginRunner)?.sandboxLayers
            record.status = .loaded
            record.pluginID = read.id
            record.version = read.version
            record.builtWith = read.builtWith
            record.abi = read.abi
            record.tools = read.tools.map(\.name)
            record.backends = read.backends.map(\.id)
            if !read.refused.isEmpty {
                record.reason = read.refused.joined(separator: "; ")
                for sentence in read.refused { log.error("plugin \(candidate.path): \(sentence)", source: "loader") }
            }
            let plugin = LoadedPlugin(id: read.id, path: candidate.path, copy: plan.copy, tools: read.tools, backends: read.backends,
                                      instructions: read.instructions, clusterScopedReads: read.clusterScopedReads, surface: read.surface,
                                      isolation: isolation, runner: runner)
            plugin.tasks = read.tasks
            registry.add(plugin: plugin, record: record)
            log.info("loaded plugin \(read.id) \(read.version) from \(candidate.path) (\(isolation.rawValue)): \(read.tools.count) tools, \(read.backends.count) backends",
                     source: "loader")
        }
    }
}

/// A plugin-host child loading a plugin on a thread of its own, started ahead
/// of the plugin's turn; `result()` opens the turn and waits for the load.
final class EarlyChild: @unchecked Sendable {
    let runner: ChildPluginRunner
    private let done = DispatchSemaphore(value: 0)
    private var outcome: Result<RawManifest, ManifestReader.Problem>?

    /// `trialOnly`: the child only tries the load (the plugin then runs in
    /// process), so it is stopped as soon as it has answered.
    init(_ runner: ChildPluginRunner, trialOnly: Bool) {
        self.runner = runner
        Thread.detachNewThread { [self] in
            outcome = runner.load()
            if trialOnly { runner.shutdown() }
            done.signal()
        }
    }

    func result() -> Result<RawManifest, ManifestReader.Problem> {
        runner.context.turn.open()
        done.wait()
        done.signal()  // a second look finds it too
        return outcome!
    }
}

func realPath(_ path: String) -> String {
    guard let resolved = realpath(path, nil) else { return (path as NSString).standardizingPath }
    defer { free(resolved) }
    return String(cString: resolved)
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

/// sshd StrictModes for plugins: code that others could have replaced is not
/// run. The file and every directory above it up to / — after resolving
/// symlinks, and also above the symlink itself — must be owned by root or the
/// user running the host, and not writable by group or others (a directory
/// may be, when it is sticky and root-owned, like /tmp).
enum FileTrust {
    static func problem(path: String) -> String? {
        let real = realPath(path)
        if let p = check(real, what: "file", allowSticky: false) { return p }
        var seen = Set<String>()
        // The path as found, not normalized (Foundation's normalizing resolves symlinks).
        let asFound = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        for start in [real, asFound] {
            var dir = (start as NSString).deletingLastPathComponent
            while seen.insert(dir).inserted {
                if let p = check(dir, what: "directory", allowSticky: true) { return p }
                if dir == "/" || dir.isEmpty { break }
                dir = (dir as NSString).deletingLastPathComponent
            }
        }
        return nil
    }

    private static func check(_ p: String, what: String, allowSticky: Bool) -> String? {
        var st = stat()
        guard stat(p, &st) == 0 else { return "cannot stat \(what) \(p)" }
        if st.st_mode & (S_IWGRP | S_IWOTH) != 0 && !(allowSticky && st.st_mode & S_ISVTX != 0 && st.st_uid == 0) {
            return "the plugin \(what) \(p) is writable by group or others; fix with: chmod go-w \(p)"
        }
        if st.st_uid != 0 && st.st_uid != geteuid() {
            return "the plugin \(what) \(p) is owned by uid \(st.st_uid), neither root nor the user running the host"
        }
        return nil
    }
}
