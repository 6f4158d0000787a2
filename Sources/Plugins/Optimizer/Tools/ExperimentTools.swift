import PluginKit

/// create_experiment, get_experiment_status, list_experiments, get_experiment_trials,
/// delete_experiment: the KEP's Phase 6 tools, on whichever engine `engine` is.
enum ExperimentTools {
    static let category = "optimizer"
    /// The seam: the one place that says which engine runs experiments.
    static let engine: any OptimizationEngine = KatibEngine()

    static var all: [ToolDefinition] { [createExperiment, getExperimentStatus, listExperiments, getExperimentTrials, deleteExperiment, getExperimentTaskStatus] }

    static let nameArgument = Schema.name("The experiment's name.", for: KatibEngine.experimentResource)

    // MARK: create_experiment

    static let createExperiment = ToolDefinition(
        name: "create_experiment", title: "Tune hyperparameters",
        description: "Creates a hyperparameter-tuning experiment (Katib) as the Kubeflow SDK's OptimizerClient.optimize does: each trial is a TrainJob made by the training tool in trial_template, with the search_space values substituted; the best trial is reported by get_experiment_status. Returns the experiment's name.",
        category: category, risk: .expensive, openWorld: true,
        input: Schema.object([
            "trial_template": TrialTemplate.schema,
            "search_space": SearchSpace.schema,
            "objectives": Schema.array("Metrics the trials report; the first is optimized, the rest are recorded. Default [{\"metric\": \"loss\", \"direction\": \"minimize\"}].",
                                       items: Schema.object(["metric": Schema.string("Metric name, e.g. loss or accuracy."),
                                                             "direction": Schema.string("minimize or maximize.", enum: ["minimize", "maximize"])],
                                                            required: ["metric"])),
            "algorithm": Schema.string("Search algorithm.", enum: ExperimentRequest.algorithms, default: "random"),
            "algorithm_settings": Schema.map("Settings of the algorithm, e.g. {\"random_state\": 42} for random."),
            "num_trials": Schema.integer("Trials to run in all.", minimum: 1, default: ExperimentRequest.defaultTrials),
            "parallel_trials": Schema.integer("Trials running at once.", minimum: 1, default: 1),
            "max_failed_trials": Schema.integer("Stop the experiment after this many failed trials.", minimum: 0),
            "name": Schema.name("Experiment name (at most 40 characters); default tune-<function or model>-<5 random characters>.", for: KatibEngine.experimentResource),
            "namespace": Schema.namespace,
            "dry_run": Schema.boolean("Build, check and return the Experiment without creating it.", default: false),
        ], required: ["search_space", "trial_template"]),
        output: Schema.result(always: ["name": Schema.of("string"), "namespace": Schema.of("string"), "created": Schema.of("boolean"), "num_trials": Schema.of("integer"), "parallel_trials": Schema.of("integer"), "parameters": Schema.list(Schema.of("string"))], sometimes: ["experiment": Schema.of("object")])
    ) { call in
        let namespace = try Names.namespace(call)
        var parameters = try SearchSpace.parse(call.arguments["search_space"])
        let objectives = try ExperimentRequest.objectives(call)
        let algorithm = try call.optionalString("algorithm") ?? "random"
        guard ExperimentRequest.algorithms.contains(algorithm) else {
            throw ToolError("algorithm \(algorithm) is not one of \(ExperimentRequest.algorithms.joined(separator: ", ")).", field: "algorithm")
        }
        let name = try call.optionalString("name") ?? Names.newExperiment(from: call.arguments["trial_template"], seed: call.planSeed)
        guard Names.isLabel(name, max: 40), name.first?.isLetter == true else {
            throw ToolError("name \(name) is not a valid experiment name: lower-case letters, digits and '-', starting with a letter, at most 40 characters (Katib's limit).",
                            field: "name")
        }
        let trialJob: JSON
        (trialJob, parameters) = try TrialTemplate.trainJob(call, call.arguments["trial_template"], parameters: parameters,
                                                            namespace: namespace)
        let request = ExperimentRequest(
            name: name, namespace: namespace, trialJob: trialJob, parameters: parameters, objectives: objectives,
            algorithm: algorithm, algorithmSettings: try ExperimentRequest.algorithmSettings(call),
            numTrials: try call.optionalInt("num_trials") ?? ExperimentRequest.defaultTrials,
            parallelTrials: try call.optionalInt("parallel_trials") ?? 1,
            maxFailedTrials: try call.optionalInt("max_failed_trials"))
        let body = engine.build(request)
        let problems = engine.problems(body, request)
        if let first = problems.first {
            throw ToolError(problems.map(\.message).joined(separator: " "), field: first.field,
                            details: ["problems": .array(problems.map { ["field": .string($0.field ?? ""), "message": .string($0.message)] })])
        }
        let dryRun = try call.optionalBool("dry_run") ?? false
        if !dryRun { try engine.create(body, namespace: namespace, call) }
        var result: JSON = ["name": .string(name), "namespace": .string(namespace), "created": .bool(!dryRun),
                            "num_trials": .int(request.numTrials), "parallel_trials": .int(request.parallelTrials),
                            "parameters": .array(parameters.map { .string($0.name) })]
        if dryRun { result["experiment"] = body }
        let text = dryRun ? "Dry run: \(engine.objectKind) \(name) was built and checked, not created."
            : "Created \(engine.objectKind) \(name) in \(namespace): \(request.numTrials) trials, \(request.parallelTrials) at a time. Follow it with get_experiment_status (wait: true shows progress)."
        return ToolOutput(result, text: text)
    }

    // MARK: get_experiment_status

    static let getExperimentStatus = ToolDefinition(
        name: "get_experiment_status", title: "Experiment status",
        description: "An experiment's phase, its trials running/succeeded/failed, a progress bar, and the best trial so far with its parameters and metrics. With wait: true, reports MCP progress until it ends or timeout_seconds pass (default 240 s, below common MCP clients' read timeouts; for a longer wait call it again).",
        category: category, risk: .readOnly, idempotent: true,
        input: Schema.object([
            "name": nameArgument, "namespace": Schema.namespace,
            "wait": Schema.boolean("Wait until the experiment succeeds or fails, reporting progress.", default: false),
            "timeout_seconds": Schema.integer("How long to wait, in seconds; keep it under your client's read timeout.", minimum: 1, maximum: 86_400, default: 240),
        ], required: ["name"]),
        output: Schema.result(always: ["name": Schema.of("string"), "namespace": Schema.of("string"), "phase": Schema.of("string"), "trials": Schema.of("object"), "progress_percent": Schema.of("integer"), "progress_bar": Schema.of("string")], sometimes: ["message": Schema.of("string"), "objective": Schema.of("object"), "algorithm": Schema.of("string"), "best_trial": Schema.of("object"), "owner": Schema.of("string"), "created": Schema.of("string")])
    ) { call in
        let name = try Names.experiment(call), namespace = try Names.namespace(call)
        var report = try engine.experiment(name, namespace: namespace, call)
        if try call.optionalBool("wait") ?? false {
            let timeoutMs = (try call.optionalInt("timeout_seconds") ?? 240) * 1000
            var waited = 0
            var last = ""
            while !report.isFinished && waited < timeoutMs && !call.isCancelled {
                if report.progressText != last {
                    call.progress(report.fraction, "\(name): \(report.phase), \(report.progressText)")
                    last = report.progressText
                }
                sleepMilliseconds(250)
                waited += 250
                report = try engine.experiment(name, namespace: namespace, call)
            }
            call.progress(report.fraction, "\(name): \(report.phase), \(report.progressText)")
        }
        return ToolOutput(report.json, text: report.summary)
    }

    // MARK: list_experiments

    static let listExperiments = ToolDefinition(
        name: "list_experiments", title: "List experiments",
        description: "The hyperparameter-tuning experiments in a namespace: phase, trials done, best trial.",
        category: category, risk: .readOnly, idempotent: true,
        input: Schema.object(["namespace": Schema.namespace]),
        output: Schema.result(always: ["namespace": Schema.of("string"), "count": Schema.of("integer"), "experiments": Schema.list()])
    ) { call in
        let namespace = try Names.namespace(call)
        let reports = try engine.experiments(namespace: namespace, call).sorted { $0.name < $1.name }
        let text = reports.isEmpty ? "No experiments in \(namespace)." : reports.map(\.summary).joined(separator: "\n")
        return ToolOutput(["namespace": .string(namespace), "count": .int(reports.count),
                           "experiments": .array(reports.map(\.json))], text: text)
    }

    // MARK: get_experiment_trials

    static let getExperimentTrials = ToolDefinition(
        name: "get_experiment_trials", title: "Experiment trials",
        description: "Every trial of an experiment: its phase, parameter values, metrics, and the TrainJob it ran (job_id, for get_training_logs).",
        category: category, risk: .readOnly, idempotent: true,
        input: Schema.object(["name": nameArgument, "namespace": Schema.namespace], required: ["name"]),
        output: Schema.result(always: ["name": Schema.of("string"), "namespace": Schema.of("string"), "count": Schema.of("integer"), "trials": Schema.list()])
    ) { call in
        let name = try Names.experiment(call), namespace = try Names.namespace(call)
        _ = try engine.experiment(name, namespace: namespace, call)  // a clear "not found" for a wrong name
        let trials = try engine.trials(name, namespace: namespace, call)
        let text = trials.isEmpty ? "\(name) has no trials yet." : trials.map { t in
            let params = t.parameters.map { "\($0.0)=\($0.1)" }.joined(separator: ", ")
            let metrics = t.metrics.map { "\($0.name) \($0.latest)" }.joined(separator: ", ")
            return "\(t.name): \(t.phase) \(params)\(metrics.isEmpty ? "" : " → \(metrics)")"
        }.joined(separator: "\n")
        return ToolOutput(["name": .string(name), "namespace": .string(namespace), "count": .int(trials.count),
                           "trials": .array(trials.map(\.json))], text: text)
    }

    // MARK: delete_experiment

    static let deleteExperiment = ToolDefinition(
        name: "delete_experiment", title: "Delete an experiment",
        description: "Deletes an experiment with its trials and their TrainJobs.",
        category: category, risk: .destructive,
        input: Schema.object(["name": nameArgument, "namespace": Schema.namespace], required: ["name"]),
        output: Schema.result(always: ["name": Schema.of("string"), "namespace": Schema.of("string"), "deleted": Schema.of("boolean")])
    ) { call in
        let name = try Names.experiment(call), namespace = try Names.namespace(call)
        try engine.delete(name, namespace: namespace, call)
        return ToolOutput(["name": .string(name), "namespace": .string(namespace), "deleted": true],
                          text: "Deleted \(engine.objectKind) \(name) in \(namespace), with its trials and their TrainJobs.")
    }
}
