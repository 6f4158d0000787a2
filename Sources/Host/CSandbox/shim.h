// The plugin-host child's sandbox layers that Swift cannot reach by itself:
// libseccomp (Debian's libseccomp-dev), and the system calls glibc 2.36 has no
// wrapper for (Landlock) or only as a variadic function Swift does not import
// (prctl).
#include <seccomp.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif
#ifndef __NR_close_range
#define __NR_close_range 436
#endif

/// Landlock's uapi structs, declared here because the kernel headers of the
/// build machine may predate network rules (ABI 4) and scopes (ABI 6).
struct kfmcp_landlock_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

struct kfmcp_landlock_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

/// The Landlock ABI this kernel speaks (0: none, or disabled at boot).
static inline int kfmcp_landlock_abi(void) {
    long abi = syscall(__NR_landlock_create_ruleset, (void *)0, (size_t)0, (uint32_t)1 /* LANDLOCK_CREATE_RULESET_VERSION */);
    return abi < 0 ? 0 : (int)abi;
}

/// A ruleset handling what `attr_size` bytes of `attr` say (24 with scopes, 16 with net, 8 for files only).
static inline int kfmcp_landlock_create_ruleset(const struct kfmcp_landlock_ruleset_attr *attr, size_t attr_size) {
    return (int)syscall(__NR_landlock_create_ruleset, attr, attr_size, (uint32_t)0);
}

static inline int kfmcp_landlock_allow_beneath(int ruleset_fd, int parent_fd, uint64_t access) {
    struct kfmcp_landlock_path_beneath_attr rule = { .allowed_access = access, .parent_fd = parent_fd };
    return (int)syscall(__NR_landlock_add_rule, ruleset_fd, 1 /* LANDLOCK_RULE_PATH_BENEATH */, &rule, (uint32_t)0);
}

static inline int kfmcp_landlock_restrict_self(int ruleset_fd) {
    return (int)syscall(__NR_landlock_restrict_self, ruleset_fd, (uint32_t)0);
}

static inline int kfmcp_set_no_new_privs(void) { return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); }
static inline int kfmcp_no_new_privs(void) { return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0); }

/// Every descriptor from `first` up closed (close_range(2), Linux 5.9).
static inline int kfmcp_close_from(unsigned int first) {
    return (int)syscall(__NR_close_range, first, ~0U, 0);
}

/// Every descriptor from `first` up marked close-on-exec (CLOSE_RANGE_CLOEXEC, Linux 5.11).
static inline int kfmcp_cloexec_from(unsigned int first) {
    return (int)syscall(__NR_close_range, first, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */);
}

/// glibc 2.34+ has it, declared only under _GNU_SOURCE, which Swift's Glibc module is not built with.
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);

static inline int kfmcp_spawn_close_from(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

/// O_PATH (Linux 2.6.39), for the same reason.
static inline int kfmcp_open_path(const char *path) { return open(path, 010000000 /* O_PATH */ | O_CLOEXEC); }

static inline uint32_t kfmcp_scmp_act_errno(uint16_t e) { return SCMP_ACT_ERRNO(e); }
static inline uint32_t kfmcp_scmp_act_allow(void) { return SCMP_ACT_ALLOW; }
