import CSandbox
import Foundation
import KFJSON

#if canImport(Glibc)
import Glibc
#endif

/// The sandbox a plugin-host child enters before it dlopens the plugin, built
/// for an unprivileged process in a Kubernetes pod (no root, no user
/// namespaces). Its layers are independent: one this kernel lacks is reported
/// (once on the host's stderr, and by `doctor`) and the others still hold.
///
///  - descriptors: only 0–3 stay open (stdin /dev/null, stdout and stderr the
///    host's stderr, fd 3 the channel); the parent also closes the rest when
///    it spawns (ChildEnvironment).
///  - environment: an allowlist, built by the parent (ChildEnvironment).
///  - limits: address space, CPU seconds, open files, no core dumps.
///  - no_new_privs: no set-uid or file capabilities gained through execve.
///  - landlock: reads of the plugin's directory and system libraries only, no
///    writes but /dev/null, no TCP bind/connect (ABI 4), no signals or abstract
///    sockets outside the sandbox (ABI 6).
///  - seccomp: no new sockets, ptrace, process_vm_*, mount, bpf, keyctl,
///    namespaces, io_uring, module loading (EPERM, so the plugin gets errors).
public enum PluginSandbox {
    public enum Layer: String, CaseIterable, Sendable {
        case descriptors, environment, limits
        case noNewPrivs = "no_new_privs"
        case landlock, seccomp
    }

    /// The layers that do not hold, and why; a layer not in it holds.
    public typealias Report = [Layer: String]

    /// Closes every descriptor but 0–3; first thing the child does, before it reads anything.
    static func closeInheritedDescriptors() -> String? {
        if kfmcp_close_from(UInt32(PluginHostChild.socketFD + 1)) == 0 { return nil }
        // close_range(2) needs Linux 5.9: close one by one up to the limit.
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        let top = Int32(clamping: min(limit.rlim_cur, 65_536))
        for fd in (PluginHostChild.socketFD + 1)..<max(top, PluginHostChild.socketFD + 1) { close(fd) }
        return nil
    }

    /// Every layer after the descriptors, in the order that lets each one hold:
    /// limits and no_new_privs first (seccomp needs no_new_privs unprivileged),
    /// Landlock before seccomp (its system calls are not in the filter's way).
    static func enter(library: String, original: String? = nil, limits: SandboxLimits, descriptors: String?, environment: String?) -> Report {
        var report: Report = [:]
        report[.descriptors] = descriptors
        report[.environment] = environment
        report[.limits] = limits.apply()
        report[.noNewPrivs] = kfmcp_set_no_new_privs() == 0 ? nil : "prctl(PR_SET_NO_NEW_PRIVS): \(String(cString: strerror(errno)))"
        report[.landlock] = LandlockRuleset.restrict(readable: LandlockRuleset.readablePaths(library: library, original: original))
        report[.seccomp] = report[.noNewPrivs] == nil ? SeccompFilter.load() : "needs no_new_privs"
        return report
    }

    /// What the host can tell without starting a child (for `doctor`): each layer and whether this kernel has it.
    public static func probe() -> [(layer: Layer, detail: String, available: Bool)] {
        let abi = LandlockRuleset.abi
        return Layer.allCases.map { layer in
            switch layer {
            case .descriptors: return (layer, "closed but the channel (close_range)", true)
            case .environment: return (layer, "allowlist: " + ChildEnvironment.allowlistSummary, true)
            case .limits: return (layer, SandboxLimits.from(environment: ProcessInfo.processInfo.environment).summary, true)
            case .noNewPrivs: return (layer, "set before the plugin is loaded", true)
            case .landlock:
                return abi > 0
                    ? (layer, "ABI \(abi): reads of the plugin's directory and system libraries only"
                        + (abi >= 4 ? ", no TCP bind/connect" : " (TCP is left to seccomp: Landlock needs ABI 4)"), true)
                    : (layer, "unavailable: this kernel has no Landlock (or it is disabled at boot)", false)
            case .seccomp:
                let problem = SeccompFilter.availability()
                return (layer, problem ?? "sockets, ptrace, process_vm_*, mount, bpf, keyctl, namespaces, io_uring refused (EPERM)",
                        problem == nil)
            }
        }
    }

    static func json(_ report: Report) -> JSON {
        .object(Dictionary(uniqueKeysWithValues: report.map { ($0.key.rawValue, JSON.string($0.value)) }))
    }

    /// The child's report; a message without it (a broken child) says no layer holds.
    static func report(from json: JSON?) -> Report {
        guard let reported = json?.object else {
            return Dictionary(uniqueKeysWithValues: Layer.allCases.map { ($0, "not reported by the plugin-host process") })
        }
        var r: Report = [:]
        for layer in Layer.allCases { r[layer] = reported[layer.rawValue]?.string }
        return r
    }
}
