import Foundation
import HostBase
import HostCalls
import HostKubeGate
import HostPlugins

#if canImport(Glibc)
import Glibc
#endif

/// stdout belongs to the protocol. At start the host keeps a private duplicate
/// of fd 1 for its writer and points fd 1 at stderr, so whatever a plugin or
/// a library prints (printf, write(1, …), Swift's print) lands in the log
/// instead of corrupting — or forging — protocol messages.
public enum ProtocolStdout {
    /// Returns the private descriptor to write protocol messages to.
    /// Call once, before any plugin is loaded.
    public static func claim() -> Int32 {
        fflush(nil)  // whatever stdio buffered for fd 1 goes out before fd 1 moves
        let fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)
        guard fd >= 0 else { return STDOUT_FILENO }  // nothing better to do; keep serving
        dup2(STDERR_FILENO, STDOUT_FILENO)
        return fd
    }

    /// Run `body` (plugin loading) with fd 1 pointing at stderr, then put it
    /// back: what an entry function prints cannot corrupt a command's output
    /// (`plugins list --json`).
    public static func silenced<T>(_ body: () throws -> T) rethrows -> T {
        fflush(nil)
        let saved = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)
        if saved >= 0 { dup2(STDERR_FILENO, STDOUT_FILENO) }
        defer {
            fflush(nil)
            if saved >= 0 {
                dup2(saved, STDOUT_FILENO)
                close(saved)
            }
        }
        return try body()
    }
}
