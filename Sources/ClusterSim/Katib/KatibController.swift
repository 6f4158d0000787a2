import Foundation
import KatibRules
import KFJSON

/// Plays Katib's experiment, suggestion and trial controllers: asks the suggestion for
/// parameters, creates each Trial and its TrainJob from the trial template with the
/// parameters substituted, takes the objective from what the trial's pods printed
/// (`metric=value` lines, read as Katib's StdOut collector reads its sidecar's metrics file:
/// StdOutCollector), keeps within parallel/max/failed counts, and ends the Experiment with
/// `currentOptimalTrial` by each metric's strategy (min, max or latest). Deleting an Experiment deletes its Trials,
/// Suggestion and TrainJobs (Katib's owner references).
final class KatibController: Sendable {
    typealias Admit = @Sendable (ResourceType, JSON) throws -> JSON

    private let store: ObjectStore
    private let logs: LogStore
    private let events: EventRecorder
    private let admit: Admit
    private let tasks = Locked([Task<Void, Never>]())

    init(store: ObjectStore, logs: LogStore, admit: @escaping Admit) {
        self.store = store
        self.logs = logs
        self.events = EventRecorder(store: store)
        self.admit = admit
    }

    func start() {
        let ticker = Task { [weak self] in
            while !Task.isCancelled {
                self?.tick()
                try? await Task.sleep(nanoseconds: 50_000_000)
            }
        }
        tasks.withLock { $0 = [ticker] }
    }

    func stop() {
        for task in tasks.withLock({ t -> [Task<Void, Never>] in defer { t = [] }; return t }) { task.cancel() }
    }

    // MARK: Reconcile

    func tick() {
        let experiments = store.list(KatibResources.experiments, namespace: nil).items.map(\.object)
        collectOrphans(alive: Set(experiments.map(\.uid)))
        for experiment in experiments where !Self.isFinished(experiment) { reconcile(experiment) }
    }

    /// Trials and Suggestions whose Experiment is gone go, with the trials' TrainJobs.
    private func collectOrphans(alive: Set<String>) {
        for type in [KatibResources.trials, KatibResources.suggestions] {
            for item in store.list(type, namespace: nil).items {
                let owner = item.object["metadata"]?["ownerReferences"]?[0]?["uid"]?.string ?? ""
                guard !alive.contains(owner) else { continue }
                _ = try? store.delete(type, namespace: item.object.namespace, name: item.object.name)
                if type == KatibResources.trials {
                    _ = try? store.delete(ResourceCatalog.trainJobs, namespace: item.object.namespace, name: item.object.name)
                }
            }
        }
    }

    private func reconcile(_ experiment: JSON) {
        let ns = experiment.namespace, name = experiment.name
        let spec = experiment["spec"] ?? [:]
        let maxTrials = spec["maxTrialCount"]?.int ?? 10
        let parallel = max(1, spec["parallelTrialCount"]?.int ?? 3)
        let maxFailed = spec["maxFailedTrialCount"]?.int
        let objective = spec["objective"] ?? [:]

        var trials = store.list(KatibResources.trials, namespace: ns).items.map(\.object)
            .filter { $0.labels[KatibResources.experimentLabel] == name }
        trials = trials.map { Self.trialPhase($0) == "Created" || Self.trialPhase($0) == "Running" ? step($0, objective) : $0 }

        var outcome: (type: String, reason: String, message: String)?
        let failed = trials.filter { Self.trialPhase($0) == "Failed" }.count
        let finished = trials.filter { Self.isTerminal(Self.trialPhase($0)) }.count
        let active = trials.count - finished
        if let maxFailed, failed > maxFailed {
            outcome = ("Failed", "ExperimentMaxFailedTrialsReached", "Experiment has failed because max failed count has reached")
        } else if let goal = objective["goal"]?.double, let best = Self.best(trials, objective),
                  let value = Self.objectiveValue(best, objective),
                  objective["type"]?.string == "maximize" ? value >= goal : value <= goal {
            outcome = ("Succeeded", "ExperimentGoalReached", "Experiment has succeeded because Objective goal has reached")
        } else if finished >= maxTrials {
            outcome = ("Succeeded", "ExperimentMaxTrialsReached", "Experiment has succeeded because max trial count has reached")
        } else if active < parallel && trials.count < maxTrials {
            let wanted = min(parallel - active, maxTrials - trials.count)
            do {
                let created = try createTrials(experiment, count: wanted, from: trials.count)
                trials += created
                if created.count < wanted && active + created.count == 0 {
                    outcome = ("Succeeded", "ExperimentSuggestionEndReached", "Experiment has succeeded because suggestion service has reached the end")
                }
            } catch let failure as Suggester.Failure {
                outcome = ("Failed", "ExperimentFailed", "Suggestion failed: \(failure.message)")
            } catch {
                outcome = ("Failed", "ExperimentFailed", "Trial creation failed: \(error)")
            }
        }
        writeStatus(experiment, trials, objective: objective, outcome: outcome)
    }

    /// Asks the Suggestion for `count` more assignments and creates their Trials and TrainJobs.
    private func createTrials(_ experiment: JSON, count: Int, from index: Int) throws -> [JSON] {
        let ns = experiment.namespace, name = experiment.name
        let suggester = Suggester(experiment: experiment)
        var suggestion: JSON
        if let existing = store.get(KatibResources.suggestions, namespace: ns, name: name) {
            suggestion = existing.object
        } else {
            suggestion = try store.create(KatibResources.suggestions, Self.suggestion(experiment)).object
        }
        var created: [JSON] = []
        for i in index..<(index + count) {
            guard let assignment = try suggester.assignment(i) else { break }
            let trialName = "\(name)-\(RandomName.suffix(8))"
            let trial = Self.trial(experiment, name: trialName, assignment: assignment)
            let stored = try store.create(KatibResources.trials, trial).object
            var job = try Self.runSpec(experiment, assignment: assignment)
            job.set(.string(trialName), at: ["metadata", "name"])
            job.set(.string(ns), at: ["metadata", "namespace"])
            job.set([KatibResources.experimentLabel: .string(name), KatibResources.trialLabel: .string(trialName)],
                    at: ["metadata", "labels"])
            job.set([Self.ownerReference(stored)], at: ["metadata", "ownerReferences"])
            try store.create(ResourceCatalog.trainJobs, try admit(ResourceCatalog.trainJobs, job))
            events.record(.init(kind: "Trial", apiVersion: "kubeflow.org/v1beta1", name: trialName, namespace: ns,
                                uid: stored.uid),
                          reason: "TrialCreated", message: "Trial is created", component: "trial-controller")
            created.append(stored)
            let entry: JSON = ["name": .string(trialName), "parameterAssignments": Self.assignmentsJSON(assignment)]
            suggestion.set(.array((suggestion["status"]?["suggestions"]?.array ?? []) + [entry]), at: ["status", "suggestions"])
        }
        let total = suggestion["status"]?["suggestions"]?.array?.count ?? 0
        suggestion.set(.int(total), at: ["status", "suggestionCount"])
        suggestion.set(.int(total), at: ["spec", "requests"])
        suggestion.set([Self.condition("Running", reason: "SuggestionRunning", message: "Suggestion is running")],
                       at: ["status", "conditions"])
        let snapshot = suggestion
        _ = try? store.update(KatibResources.suggestions, namespace: ns, name: name) { (_: JSON) throws(APIError) in snapshot }
        return created
    }

    /// A running trial: Running once its TrainJob exists; when it completes, Succeeded with the
    /// observation its collectors reported, or MetricsUnavailable when the objective is not
    /// among them; Failed with it.
    private func step(_ trial: JSON, _ objective: JSON) -> JSON {
        guard let job = store.get(ResourceCatalog.trainJobs, namespace: trial.namespace, name: trial.name)?.object else {
            return trial
        }
        let conditions = job["status"]?["conditions"]?.array ?? []
        let isTrue = { (type: String) in conditions.contains { $0["type"]?.string == type && $0["status"]?.string == "True" } }
        var next = trial
        if isTrue("Complete") {
            let metrics = collectedMetrics(trial)
            if !metrics.isEmpty { next.set(["metrics": .array(metrics)], at: ["status", "observation"]) }
            next.set(.string(Timestamp.now()), at: ["status", "completionTime"])
            if metrics.first.flatMap({ Self.objectiveText($0, trial["spec"]?["objective"] ?? objective) })
                .flatMap(Double.init) == nil {
                next = Self.addCondition(next, "MetricsUnavailable", reason: "MetricsUnavailable",
                                         message: "Metrics are not available")
            } else {
                next = Self.addCondition(next, "Succeeded", reason: "TrialSucceeded", message: "Trial has succeeded")
            }
        } else if isTrue("Failed") {
            next.set(.string(Timestamp.now()), at: ["status", "completionTime"])
            next = Self.addCondition(next, "Failed", reason: "TrialFailed", message: "Trial has failed")
        } else if Self.trialPhase(trial) == "Created" {
            next = Self.addCondition(next, "Running", reason: "TrialRunning", message: "Trial is running")
        } else {
            return trial
        }
        let snapshot = next
        return (try? store.update(KatibResources.trials, namespace: trial.namespace, name: trial.name) {
            (_: JSON) throws(APIError) in snapshot
        })?.object ?? next
    }

    private func writeStatus(_ experiment: JSON, _ trials: [JSON], objective: JSON,
                             outcome: (type: String, reason: String, message: String)?) {
        let phases = trials.map { ($0.name, Self.trialPhase($0)) }
        let names = { (phase: String) -> [String] in phases.filter { $0.1 == phase }.map(\.0).sorted() }
        var status = experiment["status"] ?? [:]
        status["trials"] = .int(trials.count)
        status["trialsSucceeded"] = .int(names("Succeeded").count)
        status["trialsFailed"] = .int(names("Failed").count)
        status["trialMetricsUnavailable"] = .int(names("MetricsUnavailable").count)
        status["trialsRunning"] = .int(names("Running").count)
        status["trialsPending"] = .int(names("Created").count)
        status["succeededTrialList"] = .array(names("Succeeded").map { .string($0) })
        status["failedTrialList"] = .array(names("Failed").map { .string($0) })
        status["runningTrialList"] = .array(names("Running").map { .string($0) })
        status["pendingTrialList"] = .array(names("Created").map { .string($0) })
        if let best = Self.best(trials, objective) {
            status["currentOptimalTrial"] = ["bestTrialName": .string(best.name),
                                             "parameterAssignments": best["spec"]?["parameterAssignments"] ?? [],
                                             "observation": best["status"]?["observation"] ?? [:]]
        }
        var next = experiment
        next["status"] = status
        if status["startTime"] == nil { next.set(.string(Timestamp.now()), at: ["status", "startTime"]) }
        next = Self.addCondition(next, "Created", reason: "ExperimentCreated", message: "Experiment is created")
        if !trials.isEmpty {
            next = Self.addCondition(next, "Running", reason: "ExperimentRunning", message: "Experiment is running")
        }
        if let outcome {
            next = Self.addCondition(next, "Running", reason: "ExperimentRunning", message: "Experiment is running", status: "False")
            next = Self.addCondition(next, outcome.type, reason: outcome.reason, message: outcome.message)
            next.set(.string(Timestamp.now()), at: ["status", "completionTime"])
            events.record(.init(kind: "Experiment", apiVersion: "kubeflow.org/v1beta1", name: experiment.name,
                                namespace: experiment.namespace, uid: experiment.uid),
                          reason: outcome.reason, message: outcome.message, warning: outcome.type == "Failed",
                          component: "experiment-controller")
        }
        guard next != experiment else { return }
        let snapshot = next
        _ = try? store.update(KatibResources.experiments, namespace: experiment.namespace, name: experiment.name) {
            (_: JSON) throws(APIError) in snapshot
        }
    }

    // MARK: Objects

    static func suggestion(_ e: JSON) -> JSON {
        ["apiVersion": "kubeflow.org/v1beta1", "kind": "Suggestion",
         "metadata": ["name": .string(e.name), "namespace": .string(e.namespace),
                      "labels": [KatibResources.experimentLabel: .string(e.name)],
                      "ownerReferences": [ownerReference(e)]],
         "spec": ["algorithm": e["spec"]?["algorithm"] ?? [:], "requests": 0,
                  "resumePolicy": e["spec"]?["resumePolicy"] ?? "Never"]]
    }

    static func trial(_ e: JSON, name: String, assignment: [(String, String)]) -> JSON {
        let spec = e["spec"] ?? [:]
        return ["apiVersion": "kubeflow.org/v1beta1", "kind": "Trial",
                "metadata": ["name": .string(name), "namespace": .string(e.namespace),
                             "labels": [KatibResources.experimentLabel: .string(e.name)],
                             "ownerReferences": [ownerReference(e)]],
                "spec": ["objective": spec["objective"] ?? [:], "parameterAssignments": assignmentsJSON(assignment),
                         "primaryContainerName": spec["trialTemplate"]?["primaryContainerName"] ?? "node",
                         "primaryPodLabels": spec["trialTemplate"]?["primaryPodLabels"] ?? [:],
                         "metricsCollector": spec["metricsCollectorSpec"] ?? ["collector": ["kind": "StdOut"]],
                         "retainRun": spec["trialTemplate"]?["retain"] ?? false,
                         "successCondition": spec["trialTemplate"]?["successCondition"] ?? .string(ExperimentDefaulter.jobSuccessCondition),
                         "failureCondition": spec["trialTemplate"]?["failureCondition"] ?? .string(ExperimentDefaulter.jobFailureCondition)],
                "status": ["conditions": [condition("Created", reason: "TrialCreated", message: "Trial is created")],
                           "startTime": .string(Timestamp.now())]]
    }

    /// The trial template with every `${trialParameters.NAME}` replaced by the value of the
    /// parameter it references, in the template's text (as Katib does).
    static func runSpec(_ e: JSON, assignment: [(String, String)]) throws -> JSON {
        let template = e["spec"]?["trialTemplate"] ?? [:]
        var text = (template["trialSpec"] ?? [:]).serialized()
        let values = Dictionary(assignment, uniquingKeysWith: { a, _ in a })
        for tp in template["trialParameters"]?.array ?? [] {
            guard let name = tp["name"]?.string, let ref = tp["reference"]?.string, let value = values[ref] else { continue }
            let escaped = String(JSON.string(value).serialized().dropFirst().dropLast())
            text = text.replacingOccurrences(of: "${trialParameters.\(name)}", with: escaped)
        }
        return try JSON.parse(text)
    }

    static func assignmentsJSON(_ assignment: [(String, String)]) -> JSON {
        .array(assignment.map { ["name": .string($0.0), "value": .string($0.1)] })
    }

    static func ownerReference(_ owner: JSON) -> JSON {
        ["apiVersion": owner["apiVersion"] ?? "kubeflow.org/v1beta1", "kind": owner["kind"] ?? "Experiment",
         "name": .string(owner.name), "uid": .string(owner.uid), "controller": true, "blockOwnerDeletion": true]
    }

    static func condition(_ type: String, reason: String, message: String, status: String = "True") -> JSON {
        let now = Timestamp.now()
        return ["type": .string(type), "status": .string(status), "reason": .string(reason), "message": .string(message),
                "lastUpdateTime": .string(now), "lastTransitionTime": .string(now)]
    }

    /// Adds or flips one condition; an unchanged condition keeps its timestamps.
    static func addCondition(_ object: JSON, _ type: String, reason: String, message: String, status: String = "True") -> JSON {
        var conditions = object["status"]?["conditions"]?.array ?? []
        if let i = conditions.firstIndex(where: { $0["type"]?.string == type }) {
            if conditions[i]["status"]?.string == status { return object }
            conditions[i] = condition(type, reason: reason, message: message, status: status)
        } else {
            conditions.append(condition(type, reason: reason, message: message, status: status))
        }
        var out = object
        out.set(.array(conditions), at: ["status", "conditions"])
        return out
    }

    // MARK: Reading

    static func trialPhase(_ trial: JSON) -> String {
        let trueTypes = (trial["status"]?["conditions"]?.array ?? []).filter { $0["status"]?.string == "True" }
            .compactMap { $0["type"]?.string }
        for terminal in ["Succeeded", "Failed", "MetricsUnavailable", "EarlyStopped", "Killed"] where trueTypes.contains(terminal) {
            return terminal
        }
        return trueTypes.contains("Running") ? "Running" : "Created"
    }

    static func isTerminal(_ phase: String) -> Bool { phase != "Created" && phase != "Running" }

    static func isFinished(_ experiment: JSON) -> Bool {
        (experiment["status"]?["conditions"]?.array ?? []).contains {
            ["Succeeded", "Failed"].contains($0["type"]?.string ?? "") && $0["status"]?.string == "True"
        }
    }

    static func objectiveValue(_ trial: JSON, _ objective: JSON) -> Double? {
        let metric = objective["objectiveMetricName"]?.string ?? "loss"
        return (trial["status"]?["observation"]?["metrics"]?.array ?? [])
            .first { $0["name"]?.string == metric }
            .flatMap { objectiveText($0, trial["spec"]?["objective"] ?? objective) }.flatMap(Double.init)
    }

    /// The objective metric's value by its strategy (the defaulter's: min when minimizing).
    static func objectiveText(_ metric: JSON, _ objective: JSON) -> String? {
        StdOutCollector.extracted(metric, strategy: strategies(objective).first { $0.name == metric["name"]?.string }?.value ?? "latest")
    }

    static func strategies(_ objective: JSON) -> [(name: String, value: String)] {
        let given = (objective["metricStrategies"]?.array ?? []).compactMap { s -> (name: String, value: String)? in
            guard let n = s["name"]?.string, let v = s["value"]?.string else { return nil }
            return (n, v)
        }
        if !given.isEmpty { return given }
        let fallback = objective["type"] == "maximize" ? "max" : objective["type"] == "minimize" ? "min" : "latest"
        return MetricsCollectorInjector.metricNames(objective).map { ($0, fallback) }
    }

    /// What the trial's collector sidecars reported (each primary pod's metrics file, parsed
    /// as the StdOut collector parses it), as the trial controller summarizes it; objective
    /// first. Empty when no pod of the trial had a collector.
    private func collectedMetrics(_ trial: JSON) -> [JSON] {
        let spec = trial["spec"] ?? [:]
        let names = MetricsCollectorInjector.metricNames(spec["objective"] ?? [:])
        let filters = (spec["metricsCollector"]?["source"]?["filter"]?["metricsFormat"]?.array ?? []).compactMap(\.string)
        let pods = store.list(ResourceCatalog.pods, namespace: trial.namespace).items.map(\.object)
            .filter { pod in
                pod.labels[MetricsCollectorInjector.trialLabel] == trial.name
                    && (pod["spec"]?["containers"]?.array ?? []).contains { $0["name"]?.string == MetricsCollectorInjector.loggerContainer }
            }
            .sorted { $0.name < $1.name }
        guard !pods.isEmpty else { return [] }
        var reported: [StdOutCollector.MetricLog] = []
        for pod in pods {
            let lines = logs.lines(namespace: pod.namespace, pod: pod.name, container: MetricsCollectorInjector.loggerContainer)
            let log = StdOutCollector.observationLog(lines.map { MetricsCollectorInjector.fileLine($0.text) },
                                                     metrics: names, filters: filters)
            reported += log
            let summary = log.map { "metric_logs:{time_stamp:\"\($0.timestamp)\" metric:{name:\"\($0.name)\" value:\"\($0.value)\"}}" }
            logs.append(namespace: pod.namespace, pod: pod.name, container: MetricsCollectorInjector.loggerContainer,
                        MetricsCollectorInjector.klogPrefix(Date()) + "Metrics reported. :\n" + summary.joined(separator: " "))
        }
        let strategies = Self.strategies(spec["objective"] ?? [:])
        let ordered = names.compactMap { n in strategies.first { $0.name == n } }
            + strategies.filter { s in !names.contains(s.name) }
        return StdOutCollector.observation(reported, strategies: ordered)
    }

    /// The succeeded trial with the best objective value (ties: the earlier name).
    static func best(_ trials: [JSON], _ objective: JSON) -> JSON? {
        let maximize = objective["type"]?.string == "maximize"
        return trials.filter { trialPhase($0) == "Succeeded" }
            .compactMap { t in objectiveValue(t, objective).map { (t, $0) } }
            .min { a, b in
                if a.1 != b.1 { return maximize ? a.1 > b.1 : a.1 < b.1 }
                return a.0.name < b.0.name
            }?.0
    }
}
