import PluginKit

/// The trial's TrainJob, made by the training tool the template names (through the
/// host's kfmcp.tools/1, with `dry_run`), never by a copy of its code.
///
/// run_custom_training: as the SDK does, every search parameter becomes a keyword
/// argument of the function, valued `${trialParameters.NAME}`. fine_tune: a search
/// parameter named like one of its numeric arguments (learning_rate, lora_rank, ...)
/// sets it (see `typedArguments`). Any tool: a `${trialParameters.NAME}` written in a
/// string argument is kept for Katib to replace.
enum TrialTemplate {
    static let tools = ["run_custom_training", "run_container_job", "fine_tune"]

    static let schema = Schema.object([
        "tool": Schema.string("The training tool that makes each trial's TrainJob.", enum: tools),
        "arguments": Schema.map("That tool's arguments, as you would pass them to it (not name, namespace, dry_run or confirm). For run_custom_training the search parameters become keyword arguments of the function; elsewhere write ${trialParameters.NAME} where a value goes, e.g. in args or backend_options."),
    ], required: ["tool"])

    /// The TrainJob `{apiVersion, kind, spec}` the training tool builds (no metadata:
    /// Katib names each trial's job), with every parameter's placeholder in it; and the
    /// parameters in the order the SDK would list them (a function's signature order:
    /// JSON carries no order, and people write a search space in the order of the arguments).
    static func trainJob(_ call: ToolCall, _ template: JSON?, parameters: [SearchParameter],
                         namespace: String) throws -> (job: JSON, parameters: [SearchParameter]) {
        guard let tool = template?["tool"]?.string, tools.contains(tool) else {
            throw ToolError("trial_template.tool must be one of \(tools.joined(separator: ", ")).", field: "trial_template.tool")
        }
        var arguments = template?["arguments"]?.object ?? [:]
        if let value = template?["arguments"], !value.isNull, value.object == nil {
            throw ToolError("trial_template.arguments must be an object: \(tool)'s arguments.", field: "trial_template.arguments")
        }
        for key in ["name", "dry_run", "confirm"] where arguments[key] != nil {
            throw ToolError("trial_template.arguments.\(key) is set by create_experiment (Katib names each trial's TrainJob); remove it.",
                            field: "trial_template.arguments.\(key)")
        }
        // The trial template only builds (dry_run): credentials given inline would never reach a Secret.
        let inlineSecrets = ["hf_token"].filter { arguments[$0] != nil }
            + ["model_options", "dataset_options"].filter { arguments[$0]?["secret_access_key"] != nil }
        if let key = inlineSecrets.first {
            throw ToolError("trial_template.arguments.\(key) carries a credential; store it in a Secret first (setup_hf_credentials, or an S3 Secret) and name it (hf_token_secret, credentials_secret): the trials only reference Secrets.",
                            field: "trial_template.arguments.\(key)")
        }
        if let ns = arguments["namespace"]?.string, ns != namespace {
            throw ToolError("trial_template.arguments.namespace (\(ns)) differs from the experiment's namespace \(namespace); trials run in the experiment's namespace, so leave it out.",
                            field: "trial_template.arguments.namespace")
        }
        arguments["namespace"] = .string(namespace)
        arguments["dry_run"] = true
        arguments["name"] = "trial"  // the same in every build, so builds compare; Katib names the real ones
        if tool == "run_custom_training" { try addKeywordArguments(&arguments, parameters) }

        let typed = typedProbes(tool, arguments, parameters)
        for probe in typed { arguments[probe.name] = probe.a }
        var (trialJob, answer) = try build(call, tool, arguments)
        trialJob = try placeTypedParameters(call, tool, arguments, built: trialJob, typed)
        try checkPlaceholders(trialJob, parameters, tool: tool)
        let signature = answer["function_parameters"]?.array?.compactMap(\.string) ?? []
        let position = { (name: String) in signature.firstIndex(of: name) ?? signature.count }
        return (trialJob, parameters.sorted { (position($0.name), $0.name) < (position($1.name), $1.name) })
    }

    static func placeholder(_ name: String) -> String { "${trialParameters.\(name)}" }

    /// The tool's TrainJob (`apiVersion`, `kind`, `spec`) for `arguments`, and its whole answer.
    static func build(_ call: ToolCall, _ tool: String, _ arguments: [String: JSON]) throws -> (JSON, JSON) {
        let answer: JSON?
        do {
            answer = try call.callTool(tool, .object(arguments))
        } catch let error as ToolError {
            throw ToolError("trial_template (\(tool)): \(error.message)", field: error.field.map { "trial_template.arguments.\($0)" } ?? "trial_template.arguments",
                            details: error.details)
        }
        guard let answer else {
            throw ToolError("\(tool) is not available: the Trainer plugin must be loaded and your policy must allow \(tool).",
                            field: "trial_template.tool")
        }
        guard let job = answer["trainjob"], let spec = job["spec"] else {
            throw ToolError("\(tool) did not return the TrainJob it would create; it needs a version of the Trainer plugin that answers dry_run with the TrainJob.",
                            field: "trial_template.tool")
        }
        return (["apiVersion": job["apiVersion"] ?? "trainer.kubeflow.org/v1alpha1", "kind": job["kind"] ?? "TrainJob",
                 "spec": spec], answer)
    }

    // MARK: Typed arguments

    /// Numeric arguments a search parameter of the same name sets. A placeholder cannot
    /// pass their schema, so the TrainJob is built with two probe values and the place
    /// where the value lands is found by comparing the two (the tool renders it; we do not guess how).
    /// The value is a decimal prefix for the probe's digits: learning_rate probes 0.00037 and 0.00041.
    static let typedArguments: [String: [String: String?]] = [
        "fine_tune": ["learning_rate": "0.000", "lora_dropout": "0.0", "epochs": nil, "batch_size": nil,
                      "lora_rank": nil, "lora_alpha": nil],
    ]

    struct Probe {
        var name: String
        var a: JSON
        var b: JSON
        /// How a number is written in the TrainJob (Python's str: 37, 0.00037).
        static func text(_ v: JSON) -> String { PythonText.str(v) }
    }

    /// Distinct, unremarkable prime digits per parameter, so no probe value is found by accident.
    static let primes = [37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97]

    static func typedProbes(_ tool: String, _ arguments: [String: JSON], _ parameters: [SearchParameter]) -> [Probe] {
        guard let table = typedArguments[tool] else { return [] }
        let names = parameters.map(\.name).filter { table[$0] != nil && arguments[$0] == nil }
        return names.prefix(primes.count / 2).enumerated().map { i, name in
            let (a, b) = (primes[2 * i], primes[2 * i + 1])
            guard let prefix = table[name] ?? nil else { return Probe(name: name, a: .int(a), b: .int(b)) }
            return Probe(name: name, a: .double(Double(prefix + String(a))!), b: .double(Double(prefix + String(b))!))
        }
    }

    /// Replaces each probe's value in the built job by its placeholder, after checking
    /// that a build with the other probe value differs from it there and only there.
    static func placeTypedParameters(_ call: ToolCall, _ tool: String, _ arguments: [String: JSON], built: JSON,
                                     _ probes: [Probe]) throws -> JSON {
        guard !probes.isEmpty else { return built }
        let base = built.serialized()
        var placed = base
        for probe in probes {
            var other = arguments
            other[probe.name] = probe.b
            let (job, _) = try build(call, tool, other)
            let withA = base.replacing(Probe.text(probe.a), with: placeholder(probe.name))
            let withB = job.serialized().replacing(Probe.text(probe.b), with: placeholder(probe.name))
            guard withA == withB else {
                throw ToolError("search_space.\(probe.name): \(tool) does not write \(probe.name) into the TrainJob as given (it derives other values from it), so a trial cannot vary it; leave it out of search_space or tune it in a string argument with \(placeholder(probe.name)).",
                                field: "search_space.\(probe.name)")
            }
            placed = placed.replacing(Probe.text(probe.a), with: placeholder(probe.name))
        }
        return try JSON.parse(placed)
    }

    /// The SDK's `func_args[name] = "${trialParameters.name}"`: the caller's keys
    /// first, then the search parameters (`func_args_last`), the way the SDK's dict
    /// ends up; a parameter the caller also gave keeps the caller's place.
    static func addKeywordArguments(_ arguments: inout [String: JSON], _ parameters: [SearchParameter]) throws {
        guard arguments["func_args"] == nil || arguments["func_args"]?.isNull == true || arguments["func_args"]?.object != nil else {
            throw ToolError("trial_template.arguments.func_args must be an object of keyword arguments.",
                            field: "trial_template.arguments.func_args")
        }
        var funcArgs = arguments["func_args"]?.object ?? [:]
        let appended = parameters.map(\.name).filter { funcArgs[$0] == nil }
        for p in parameters { funcArgs[p.name] = .string(placeholder(p.name)) }
        arguments["func_args"] = .object(funcArgs)
        arguments["func_args_last"] = .array(appended.map { .string($0) })
    }

    /// Every search parameter must reach the trial, and every placeholder must name one.
    static func checkPlaceholders(_ job: JSON, _ parameters: [SearchParameter], tool: String) throws {
        let text = job.serialized()
        for p in parameters where !text.contains(placeholder(p.name)) {
            throw ToolError("search_space.\(p.name) is not used by the trial: write \(placeholder(p.name)) in one of \(tool)'s string arguments (for example args, env or backend_options), or use run_custom_training, whose function receives it as a keyword argument.",
                            field: "search_space.\(p.name)")
        }
        let names = Set(parameters.map(\.name))
        for used in placeholders(in: text) where !names.contains(used) {
            throw ToolError("trial_template.arguments use \(placeholder(used)) but search_space has no \(used); add it to search_space or remove the placeholder.",
                            field: "trial_template.arguments")
        }
    }

    /// The NAMEs of `${trialParameters.NAME}` in `text`.
    static func placeholders(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let start = rest.firstRange(of: "${trialParameters.") {
            let after = rest[start.upperBound...]
            guard let end = after.firstIndex(of: "}") else { break }
            names.append(String(after[..<end]))
            rest = after[end...]
        }
        return names
    }
}
