/// How a runtime starts the trainer, as the SDK derives it from the runtime
/// (utils.py:get_runtime_trainer): it decides the command a CustomTrainer gets.
enum RuntimeEntrypoint: String, Equatable, Sendable {
    /// framework torchtune: `tune run`, BuiltinTrainer only.
    case torchtune
    /// mlPolicy.torch: the script ends with `torchrun`.
    case torchrun
    /// mlPolicy.mpi: `mpirun --hostfile ... bash -c`, files under /home/mpiuser.
    case mpi
    /// anything else: the script ends with `python`.
    case python

    static let mpiUserHome = "/home/mpiuser"

    /// The runtime's command with `{func_code}`/`{func_file}` placeholders, as the SDK stores it.
    var commandTemplate: [String] {
        switch self {
        case .torchtune: return ["tune", "run"]
        case .torchrun: return ["bash", "-c", Self.execScript(launcher: "torchrun")]
        case .mpi: return ["mpirun", "--hostfile", "/etc/mpi/hostfile", "bash", "-c", Self.execScript(launcher: "python")]
        case .python: return ["bash", "-c", Self.execScript(launcher: "python")]
        }
    }

    /// constants.py EXEC_FUNC_SCRIPT.
    static func execScript(launcher: String) -> String {
        "\nread -r -d '' SCRIPT << EOM\n\n{func_code}\nEOM\nprintf \"%s\" \"$SCRIPT\" > \"{func_file}\"\n\(launcher) \"{func_file}\""
    }
}
