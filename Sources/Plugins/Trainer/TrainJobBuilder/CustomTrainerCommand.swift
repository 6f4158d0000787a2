import PluginKit

/// The `bash -c` command of a CustomTrainer, byte for byte as the SDK builds it
/// (utils.py:get_command_using_train_func and get_script_for_python_packages).
enum CustomTrainerCommand {
    static let defaultPipIndexURLs = ["https://pypi.org/simple"]

    /// `prelude`: shell lines run after the package install and before the function (ours, not
    /// the SDK's: HubDownload's fetches when the runtime has no initializer steps).
    static func build(entrypoint: RuntimeEntrypoint, function: TrainingFunction, arguments: [(String, JSON)]?,
                      funcFile: String, packages: [String], pipIndexURLs: [String], prelude: String = "") -> [String] {
        let call = arguments.map { "\(function.name)(**\(PythonRepr.dict($0)))" } ?? "\(function.name)()"
        let code = "\(function.source)\n\(call)\n"
        let isMPI = entrypoint == .mpi
        let file = isMPI ? RuntimeEntrypoint.mpiUserHome + "/" + funcFile : funcFile
        let logFile = isMPI ? RuntimeEntrypoint.mpiUserHome + "/pip_install.log" : "pip_install.log"
        let install = packages.isEmpty ? "" :
            pipScript(packages: packages, indexURLs: pipIndexURLs.isEmpty ? defaultPipIndexURLs : pipIndexURLs,
                      logFile: logFile)
        return entrypoint.commandTemplate.map { part in
            guard part.contains("{func_file}") else { return part }
            // One pass, like Python's str.format: the code itself may contain "{func_file}".
            return install + prelude + substitute(part, code: code, file: file)
        }
    }

    private static func substitute(_ template: String, code: String, file: String) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let after = rest[open...]
            if after.hasPrefix("{func_code}") {
                out += code; rest = after.dropFirst("{func_code}".count)
            } else if after.hasPrefix("{func_file}") {
                out += file; rest = after.dropFirst("{func_file}".count)
            } else {
                out += "{"; rest = after.dropFirst()
            }
        }
        return out + rest
    }

    static func pipScript(packages: [String], indexURLs: [String], logFile: String) -> String {
        let packageList = packages.map(ShellQuote.quote).joined(separator: " ")
        var options = ["--index-url \(ShellQuote.quote(indexURLs[0]))"]
        options += indexURLs.dropFirst().map { "--extra-index-url \(ShellQuote.quote($0))" }
        let header = """

            if ! [ -x "$(command -v pip)" ]; then
                python -m ensurepip || python -m ensurepip --user || apt-get install python-pip
            fi


            """
        let body = """

            PACKAGES=(\(packageList))
            PIP_OPTS=(\(options.joined(separator: " ")))
            LOG_FILE="\(logFile)"
            rm -f "$LOG_FILE"

            if PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_BREAK_SYSTEM_PACKAGES=1 python -m pip install --quiet \\
                --no-warn-script-location "${PIP_OPTS[@]}" --user "${PACKAGES[@]}" >"$LOG_FILE" 2>&1; then
                echo "Successfully installed Python packages (user): ${PACKAGES[*]}"
            elif PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_BREAK_SYSTEM_PACKAGES=1 python -m pip install --quiet \\
                --no-warn-script-location "${PIP_OPTS[@]}" "${PACKAGES[@]}" >>"$LOG_FILE" 2>&1; then
                echo "Successfully installed Python packages (system-wide): ${PACKAGES[*]}"
            else
                echo "ERROR: Failed to install Python packages: ${PACKAGES[*]}" >&2
                cat "$LOG_FILE" >&2
                exit 1
            fi


            """
        return header + body
    }
}
