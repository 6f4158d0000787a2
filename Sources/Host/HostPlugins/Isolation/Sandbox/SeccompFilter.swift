import CSandbox
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The child's seccomp filter, built with libseccomp: everything is allowed
/// but the system calls below, which fail with EPERM (a plugin gets an error,
/// not a kill, and the host reports what it answers).
enum SeccompFilter {
    /// No reason for a plugin to make these: reaching other processes, the
    /// kernel's keyrings, BPF, mounts, namespaces, modules, io_uring (whose
    /// operations seccomp does not see), fds of other processes, new sockets
    /// (the channel is inherited; TCP, netlink, UNIX sockets alike).
    static let refused = [
        "socket", "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
        "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsmount", "fsconfig", "fspick",
        "mount_setattr", "unshare", "setns", "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key",
        "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff",
        "acct", "quotactl", "syslog", "iopl", "ioperm", "open_by_handle_at", "name_to_handle_at", "lookup_dcookie",
        "fanotify_init", "io_uring_setup", "io_uring_enter", "io_uring_register", "personality",
    ]
    /// CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET: no namespaces through clone either
    /// (NEWTIME exists only for unshare and clone3).
    static let namespaceFlags: [UInt64] = [0x0002_0000, 0x0200_0000, 0x0400_0000, 0x0800_0000, 0x1000_0000, 0x2000_0000,
                                           0x4000_0000]

    /// nil when libseccomp and the kernel can filter here, else why not.
    static func availability() -> String? {
        guard seccomp_api_get() > 0 else { return "unavailable: the kernel has no seccomp filters" }
        return nil
    }

    /// nil once the filter is loaded on every thread, else why not.
    static func load() -> String? {
        if let problem = availability() { return problem }
        guard let ctx = seccomp_init(kfmcp_scmp_act_allow()) else { return "seccomp_init failed" }
        defer { seccomp_release(ctx) }
        _ = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)
        let eperm = kfmcp_scmp_act_errno(UInt16(EPERM))
        for name in refused {
            let nr = seccomp_syscall_resolve_name(name)
            guard nr != __NR_SCMP_ERROR else { continue }  // not on this architecture
            let rc = seccomp_rule_add_array(ctx, eperm, nr, 0, nil)
            if rc != 0 { return "seccomp rule for \(name): \(String(cString: strerror(-rc)))" }
        }
        let clone = seccomp_syscall_resolve_name("clone")
        for flag in namespaceFlags {
            var cmp = scmp_arg_cmp(arg: 0, op: SCMP_CMP_MASKED_EQ, datum_a: flag, datum_b: flag)
            let rc = seccomp_rule_add_array(ctx, eperm, clone, 1, &cmp)
            if rc != 0 { return "seccomp rule for clone: \(String(cString: strerror(-rc)))" }
        }
        // clone3 passes its flags in memory seccomp cannot read: ENOSYS makes glibc use clone.
        let clone3 = seccomp_syscall_resolve_name("clone3")
        if clone3 != __NR_SCMP_ERROR { _ = seccomp_rule_add_array(ctx, kfmcp_scmp_act_errno(UInt16(ENOSYS)), clone3, 0, nil) }
        let rc = seccomp_load(ctx)
        return rc == 0 ? nil : "seccomp_load: \(String(cString: strerror(-rc)))"
    }
}
