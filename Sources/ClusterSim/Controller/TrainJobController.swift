import Foundation
import KFJSON

/// Plays the Trainer controller, JobSet, the Job controller, the scheduler and the kubelet
/// for TrainJobs: pods appear, initializers run, node pods train and log, conditions land.
///
/// It follows TrainJobs through a store watch (not by listing), and on each tick only steps
/// jobs that changed or are running, so ten thousand idle TrainJobs cost nothing per tick.
final class TrainJobController: Sendable {
    /// Simulated durations, in simulated seconds (divided by `timeScale` in real time).
    struct Timing: Sendable {
        var initializerSeconds = 6.0
        var stepSeconds = 1.0
        var totalSteps = 120
        var statusEverySteps = 10
    }

    private struct State {
        var runs: [String: JobRun] = [:]
        var latest: [String: JSON] = [:]   // uid → latest TrainJob object seen
        var dirty: Set<String> = []
        var deleted: Set<String> = []
        var missingRuntime: Set<String> = []
        var allocator = GPUAllocator()
        var capacityChanged = true
        var sequence = 0
    }

    private let store: ObjectStore
    private let logs: LogStore
    private let events: EventRecorder
    private let kubelet: Kubelet
    /// Katib's pod webhook, which the API server calls when the Job controller creates a pod.
    private let injector: MetricsCollectorInjector
    private let timeScale: Double
    private let timing: Timing
    /// Trainer v2.3.0's TrainJobStatus feature gate (alpha, off by default): only with it does the
    /// Trainer's status server turn in-pod progress reports into `status.trainerStatus`.
    private let trainJobStatusGate: Bool
    private let state = Locked(State())
    private let tasks = Locked([Task<Void, Never>]())

    init(store: ObjectStore, logs: LogStore, timeScale: Double, timing: Timing = Timing(),
         privateRegistries: [String] = [], trainJobStatusGate: Bool = false) {
        self.trainJobStatusGate = trainJobStatusGate
        self.store = store
        self.logs = logs
        self.events = EventRecorder(store: store)
        self.kubelet = Kubelet(store: store, privateRegistries: privateRegistries)
        self.injector = MetricsCollectorInjector(store: store)
        self.timeScale = max(timeScale, 0.001)
        self.timing = timing
    }

    func start() {
        let watch = try? store.watch(ResourceCatalog.trainJobs, namespace: nil, sinceRevision: nil)
        let follower = Task { [weak self] in
            guard let watch else { return }
            for await event in watch {
                guard let self else { return }
                self.observe(event)
            }
        }
        let ticker = Task { [weak self] in
            while !Task.isCancelled {
                self?.tick(now: Date())
                try? await Task.sleep(nanoseconds: 25_000_000)
            }
        }
        tasks.withLock { $0 = [follower, ticker] }
    }

    func stop() {
        for task in tasks.withLock({ t -> [Task<Void, Never>] in defer { t = [] }; return t }) { task.cancel() }
    }

    private func observe(_ event: WatchEvent) {
        let uid = event.object.object.uid
        state.withLock { s in
            if event.type == .deleted {
                s.latest.removeValue(forKey: uid)
                s.deleted.insert(uid)
            } else {
                s.latest[uid] = event.object.object
                s.dirty.insert(uid)
            }
        }
    }

    // MARK: Reconcile

    func tick(now: Date) {
        state.withLock { s in
            for uid in s.deleted { cleanUp(uid, &s) }
            s.deleted.removeAll()

            let nodes = store.list(ResourceCatalog.nodes, namespace: nil).items.map { n in
                GPUAllocator.Node(name: n.object.name,
                                  capacity: JobPlan.gpuCount(["limits": n.object["status"]?["allocatable"] ?? [:]]))
            }
            s.allocator.setNodes(nodes)

            var toStep = s.dirty
            s.dirty.removeAll()
            for (uid, run) in s.runs where run.stage == .initializing || run.stage == .training { toStep.insert(uid) }
            if s.capacityChanged {
                s.capacityChanged = false
                for (uid, run) in s.runs where run.stage == .waiting && !run.suspended { toStep.insert(uid) }
            }
            let ordered = toStep.sorted { (s.runs[$0]?.sequence ?? Int.max, $0) < (s.runs[$1]?.sequence ?? Int.max, $1) }
            for uid in ordered {
                guard let job = s.latest[uid] else { continue }
                step(job, now: now, &s)
            }
        }
    }

    private func step(_ job: JSON, now: Date, _ s: inout State) {
        let uid = job.uid
        if s.runs[uid] == nil {
            if Self.isFinished(job) { s.latest.removeValue(forKey: uid); return }
            guard let run = makeRun(job, &s) else { return }
            s.runs[uid] = run
        }
        guard var run = s.runs[uid] else { return }
        defer { s.runs[uid] = run }
        if run.isFinished { return }
        createJobs(&run, job)

        if job["spec"]?["suspend"]?.bool == true {
            if !run.suspended { suspend(&run, &s) }
            return
        }
        if run.suspended {
            run.suspended = false
            setCondition(run, type: "Suspended", status: "False", reason: "Resumed", message: "TrainJob is resumed")
            events.record(run.involved, reason: "Resumed", message: "TrainJob is resumed", component: "trainjob-controller")
        }
        if run.pods.isEmpty { createPods(&run, job) }
        if let deadline = job["spec"]?["activeDeadlineSeconds"]?.int, let started = run.firstStarted,
           simSeconds(since: started, now: now) > Double(deadline) {
            finish(&run, &s, failed: true, reason: "DeadlineExceeded",
                   message: "TrainJob exceeded its activeDeadlineSeconds")
            return
        }

        switch run.stage {
        case .waiting: admit(&run, &s, now: now)
        case .initializing:
            if simSeconds(since: run.stageStarted, now: now) >= timing.initializerSeconds {
                for i in run.pods.indices where run.pods[i].isInitializer {
                    setPhase(&run, i, exitCode: 0)
                    events.record(jobInvolved(run, run.pods[i].replicatedJob), reason: "Completed",
                                  message: "Job completed", component: "job-controller")
                }
                startTrainers(&run, now: now)
            }
        case .training: train(&run, &s, now: now)
        case .blocked, .succeeded, .failed: break
        }
    }

    private func makeRun(_ job: JSON, _ s: inout State) -> JobRun? {
        let ref = job["spec"]?["runtimeRef"]
        let runtimeName = ref?["name"]?.string ?? ""
        let runtime = ref?["kind"]?.string == "TrainingRuntime"
            ? store.get(ResourceCatalog.trainingRuntimes, namespace: job.namespace, name: runtimeName)
            : store.get(ResourceCatalog.clusterTrainingRuntimes, namespace: nil, name: runtimeName)
        let involved = EventRecorder.Involved(kind: "TrainJob", apiVersion: "trainer.kubeflow.org/v1alpha1",
                                              name: job.name, namespace: job.namespace, uid: job.uid)
        guard let runtime, let plan = JobPlan(trainJob: job, runtime: runtime.object) else {
            if s.missingRuntime.insert(job.uid).inserted {
                events.record(involved, reason: "TrainJobResourcesCreationFailed",
                              message: "\(ref?["kind"]?.string ?? "ClusterTrainingRuntime") \"\(runtimeName)\" not found",
                              warning: true, component: "trainjob-controller")
            }
            return nil
        }
        s.sequence += 1
        events.record(involved, reason: "Created", message: "TrainJob created", component: "trainjob-controller")
        let jobSet = (try? store.create(ResourceCatalog.jobSets, ChildObjects.jobSet(trainJob: job, plan: plan)))
            ?? store.get(ResourceCatalog.jobSets, namespace: job.namespace, name: job.name)
        let jobSetUID = jobSet?.object.uid ?? RandomName.uid()
        events.record(.init(kind: "JobSet", apiVersion: ChildObjects.jobSetAPIVersion, name: job.name,
                            namespace: job.namespace, uid: jobSetUID),
                      reason: "SuccessfulCreate", message: "Created JobSet \(job.name)", component: "trainjob-controller")
        var run = JobRun(uid: job.uid, namespace: job.namespace, name: job.name, plan: plan,
                         log: WorkloadLog(workload: plan.workload, jobName: job.name, totalSteps: timing.totalSteps,
                                          lossFloor: TrialWorkload.lossFloor(job, store: store)),
                         sequence: s.sequence)
        run.jobSetUID = jobSetUID
        run.trialMetrics = TrialWorkload.metricNames(job, store: store)
        return run
    }

    /// JobSet creates one Job per replicated job before any pod (suspended with a suspended TrainJob),
    /// whether or not its pods can be created.
    private func createJobs(_ run: inout JobRun, _ job: JSON) {
        guard run.jobUIDs.isEmpty else { return }
        for rj in run.plan.replicatedJobs {
            let child = ChildObjects.job(trainJob: job, jobSetUID: run.jobSetUID, replicated: rj)
            let stored = (try? store.create(ResourceCatalog.jobs, child))
                ?? store.get(ResourceCatalog.jobs, namespace: run.namespace, name: child.name)
            run.jobUIDs[rj.name] = stored?.object.uid ?? RandomName.uid()
        }
    }

    /// The Job controllers create the pods, unless a pod's service account does not exist:
    /// then no pod is created and each Job says why (FailedCreate), as on a real cluster.
    private func createPods(_ run: inout JobRun, _ job: JSON) {
        let missing = run.plan.replicatedJobs.compactMap { rj in
            kubelet.missingServiceAccount(rj.podTemplate["spec"] ?? [:], namespace: run.namespace).map { (rj, $0) }
        }
        if !missing.isEmpty {
            if !run.warnedMissingServiceAccount {
                run.warnedMissingServiceAccount = true
                for (rj, account) in missing {
                    events.record(jobInvolved(run, rj.name), reason: "FailedCreate",
                                  message: "Error creating: pods \"\(run.name)-\(rj.name)-0-0-\" is forbidden: error "
                                      + "looking up service account \(run.namespace)/\(account): serviceaccount "
                                      + "\"\(account)\" not found", warning: true, component: "job-controller")
                }
            }
            return
        }
        for rj in run.plan.replicatedJobs {
            for index in 0..<rj.count {
                let pod = injector.mutate(PodFactory.pod(job: job, plan: run.plan, replicated: rj, index: index,
                                         ownerUID: run.jobUIDs[rj.name] ?? ""))
                guard let created = try? store.create(ResourceCatalog.pods, pod) else { continue }
                TrialWorkload.routeToCollector(created.object, container: rj.container["name"]?.string ?? rj.name, logs: logs)
                run.pods.append(.init(name: created.object.name, uid: created.object.uid, replicatedJob: rj.name, index: index,
                                      container: rj.container["name"]?.string ?? rj.name, gpus: rj.gpus,
                                      isInitializer: rj.isInitializer, spec: pod["spec"] ?? [:]))
                events.record(jobInvolved(run, rj.name), reason: "SuccessfulCreate",
                              message: "Created pod: \(created.object.name)", component: "job-controller")
            }
        }
        updateStatus(run)
    }

    /// Schedules pod by pod like the default scheduler (all or none when the runtime asks for
    /// gang scheduling); pods that fit nowhere stay Pending with a FailedScheduling event naming why.
    /// The job starts once every pod has a node.
    private func admit(_ run: inout JobRun, _ s: inout State, now: Date) {
        guard !run.pods.isEmpty else { return }
        let nodes = store.list(ResourceCatalog.nodes, namespace: nil).items.map { NodeFit.Node($0.object) }
        let waiting = run.pods.indices.filter { run.pods[$0].node == nil }
        let requests = waiting.map { i in
            GPUAllocator.Request(gpus: run.pods[i].gpus, allowed: Set(nodes.filter {
                NodeFit.reason(podSpec: run.pods[i].spec, node: $0) == nil }.map(\.name)))
        }
        var placed: [Int: String] = [:]
        if run.plan.gangScheduled {
            if let nodesFor = s.allocator.reserveAll(requests, for: run.uid) {
                for (k, i) in waiting.enumerated() { placed[i] = nodesFor[k] }
            }
        } else {
            for (k, i) in waiting.enumerated() {
                if let node = s.allocator.reserveOne(requests[k], for: run.uid) { placed[i] = node }
            }
        }
        for (i, node) in placed.sorted(by: { $0.key < $1.key }) {
            run.pods[i].node = node
            updatePod(run, run.pods[i].name) { PodFactory.scheduled($0, node: node) }
            events.record(podInvolved(run, run.pods[i].name), reason: "Scheduled",
                          message: "Successfully assigned \(run.namespace)/\(run.pods[i].name) to \(node)",
                          component: "default-scheduler")
        }
        let unplaced = run.pods.indices.filter { run.pods[$0].node == nil }
        for i in unplaced where !run.warnedUnschedulable.contains(run.pods[i].name) {
            run.warnedUnschedulable.insert(run.pods[i].name)
            let reasons = nodes.map { node in
                NodeFit.reason(podSpec: run.pods[i].spec, node: node)
                    ?? (s.allocator.free(node.name) < run.pods[i].gpus ? NodeFit.insufficientGPU : "node(s) were held for a gang")
            }
            let message = NodeFit.failedSchedulingMessage(reasons)
            updatePod(run, run.pods[i].name) { PodFactory.unschedulable($0, message: message) }
            events.record(podInvolved(run, run.pods[i].name), reason: "FailedScheduling", message: message,
                          warning: true, component: "default-scheduler")
        }
        guard unplaced.isEmpty else {
            // No gang: the kubelet starts what was placed, and torchrun there waits for its peers.
            let fresh = run.pods.indices.filter { run.pods[$0].node != nil && run.pods[$0].phase == "Pending" }
            guard !run.plan.gangScheduled, !run.pods.contains(where: \.isInitializer), !fresh.isEmpty,
                  startContainers(&run, where: { $0.node != nil }) else { return }
            for i in fresh {
                logs.append(namespace: run.namespace, pod: run.pods[i].name, container: run.pods[i].container,
                            "[rank\(run.pods[i].index)]: waiting for all \(run.plan.numNodes) nodes to join the rendezvous "
                                + "at \(run.name)-node-0-0.\(run.name):29400")
            }
            return
        }
        run.firstStarted = run.firstStarted ?? now
        if run.pods.contains(where: \.isInitializer) {
            guard startContainers(&run, where: { $0.isInitializer }) else { return }
            for i in run.pods.indices where run.pods[i].isInitializer {
                let env = run.plan.replicatedJobs.first { $0.name == run.pods[i].replicatedJob }?.container["env"]?.array
                let uri = env?.first { $0["name"]?.string == "STORAGE_URI" }?["value"]?.string
                for line in TrainingLog.initializerLines(run.pods[i].replicatedJob, storageUri: uri) {
                    logs.append(namespace: run.namespace, pod: run.pods[i].name, container: run.pods[i].container, line)
                }
            }
            run.stage = .initializing
            run.stageStarted = now
            updateStatus(run)
        } else {
            startTrainers(&run, now: now)
        }
    }

    /// The kubelet starts the chosen pods' containers, unless one cannot start: then that pod
    /// waits (CreateContainerConfigError / ImagePullBackOff, with the kubelet's events) and the
    /// job goes no further. Returns whether all started.
    private func startContainers(_ run: inout JobRun, where chosen: (JobRun.PodSlot) -> Bool) -> Bool {
        var blocked = false
        for i in run.pods.indices where chosen(run.pods[i]) && run.pods[i].phase == "Pending" {
            guard let pod = store.get(ResourceCatalog.pods, namespace: run.namespace, name: run.pods[i].name)?.object,
                  let problem = kubelet.problem(pod) else { continue }
            blocked = true
            let involved = podInvolved(run, run.pods[i].name)
            switch problem {
            case .configError(let container, let message):
                updatePod(run, run.pods[i].name) {
                    PodFactory.waiting($0, container: container, reason: "CreateContainerConfigError", message: message)
                }
                events.record(involved, reason: "Failed", message: "Error: \(message)", warning: true, component: "kubelet")
            case .imagePull(let container, let image, let message):
                updatePod(run, run.pods[i].name) {
                    PodFactory.waiting($0, container: container, reason: "ImagePullBackOff",
                                       message: "Back-off pulling image \"\(image)\": ErrImagePull: \(message)")
                }
                events.record(involved, reason: "Pulling", message: "Pulling image \"\(image)\"", component: "kubelet")
                events.record(involved, reason: "Failed", message: "Failed to pull image \"\(image)\": \(message)",
                              warning: true, component: "kubelet")
                events.record(involved, reason: "Failed", message: "Error: ErrImagePull", warning: true, component: "kubelet")
                events.record(involved, reason: "BackOff", message: "Back-off pulling image \"\(image)\"",
                              component: "kubelet")
                events.record(involved, reason: "Failed", message: "Error: ImagePullBackOff", warning: true,
                              component: "kubelet")
            }
        }
        if blocked {
            run.stage = .blocked
            updateStatus(run)
            return false
        }
        for i in run.pods.indices where chosen(run.pods[i]) && run.pods[i].phase == "Pending" {
            setPhase(&run, i, exitCode: nil)
        }
        return true
    }

    private func startTrainers(_ run: inout JobRun, now: Date) {
        guard startContainers(&run, where: { !$0.isInitializer }) else { return }
        for i in run.pods.indices where !run.pods[i].isInitializer {
            let image = run.plan.replicatedJobs.first { $0.name == run.pods[i].replicatedJob }?.container["image"]?.string
            for line in run.log.startLines(numNodes: run.plan.numNodes, gpus: run.plan.gpusPerNode,
                                           rank: run.pods[i].index, image: image ?? "") {
                logs.append(namespace: run.namespace, pod: run.pods[i].name, container: run.pods[i].container, line)
            }
        }
        run.stage = .training
        run.stageStarted = now
        run.lastStep = 0
        updateStatus(run)
    }

    private func train(_ run: inout JobRun, _ s: inout State, now: Date) {
        let total = run.log.totalSteps
        let reached = min(total, Int(simSeconds(since: run.stageStarted, now: now) / timing.stepSeconds))
        let failAt = run.plan.workload.failStep(total: total) ?? Int.max
        let target = min(reached, failAt)
        guard target > run.lastStep || failAt == 0 else { return }
        let every = max(1, timing.statusEverySteps)
        var crossed = false
        for step in (run.lastStep + 1)..<(target + 1) where step % every == 0 || step == total {
            for pod in run.pods where !pod.isInitializer && (pod.index == 0 || step % (every * 4) == 0) {
                for line in run.log.stepLines(step) {
                    logs.append(namespace: run.namespace, pod: pod.name, container: pod.container,
                                (pod.index == 0 ? "" : "[rank\(pod.index)] ") + line)
                }
            }
            crossed = true
        }
        for step in (run.lastStep + 1)..<(target + 1) {
            for line in TrialWorkload.metricLines(run.trialMetrics, numbers: run.log.numbers, step: step) {
                for pod in run.pods where !pod.isInitializer {
                    logs.append(namespace: run.namespace, pod: pod.name, container: pod.container, line)
                }
            }
        }
        run.lastStep = target
        if target >= failAt {
            if let rank0 = run.rankZero {
                for line in run.log.failureLines(at: target) {
                    logs.append(namespace: run.namespace, pod: rank0.name, container: rank0.container, line)
                }
            }
            finish(&run, &s, failed: true, reason: "FailedJobs", message: "jobset failed due to one or more job failures")
        } else if target >= total {
            for pod in run.pods where !pod.isInitializer && pod.index == 0 {
                for line in run.log.endLines() {
                    logs.append(namespace: run.namespace, pod: pod.name, container: pod.container, line)
                }
            }
            finish(&run, &s, failed: false, reason: "AllJobsCompleted", message: "jobset completed successfully")
        } else if crossed {
            updateStatus(run)
        }
    }

    private func finish(_ run: inout JobRun, _ s: inout State, failed: Bool, reason: String, message: String) {
        for i in run.pods.indices where run.pods[i].phase != "Succeeded" && run.pods[i].phase != "Failed" {
            let failedPod = failed && !run.pods[i].isInitializer
            if run.pods[i].phase == "Pending" && failedPod {
                run.pods[i].phase = "Failed"
                updatePod(run, run.pods[i].name) { PodFactory.terminated($0, exitCode: 1) }
            } else {
                setPhase(&run, i, exitCode: failedPod ? 1 : 0)
            }
        }
        for rj in run.plan.trainers {
            events.record(jobInvolved(run, rj.name), reason: failed ? "BackoffLimitExceeded" : "Completed",
                          message: failed ? "Job has reached the specified backoff limit" : "Job completed",
                          warning: failed, component: "job-controller")
        }
        s.allocator.release(run.uid)
        s.capacityChanged = true
        run.stage = failed ? .failed : .succeeded
        updateStatus(run)
        setCondition(run, type: failed ? "Failed" : "Complete", status: "True", reason: reason, message: message)
        events.record(run.involved, reason: failed ? "Failed" : "Completed", message: message, warning: failed,
                      component: "trainjob-controller")
        s.latest.removeValue(forKey: run.uid)
    }

    private func suspend(_ run: inout JobRun, _ s: inout State) {
        for pod in run.pods {
            _ = try? store.delete(ResourceCatalog.pods, namespace: run.namespace, name: pod.name)
            logs.remove(namespace: run.namespace, pod: pod.name)
        }
        s.allocator.release(run.uid)
        s.capacityChanged = true
        run.pods = []
        run.stage = .waiting
        run.lastStep = 0
        run.warnedUnschedulable = []
        run.suspended = true
        updateStatus(run)
        setCondition(run, type: "Suspended", status: "True", reason: "Suspended", message: "TrainJob is suspended")
        events.record(run.involved, reason: "Suspended", message: "TrainJob is suspended", component: "trainjob-controller")
    }

    private func cleanUp(_ uid: String, _ s: inout State) {
        guard let run = s.runs.removeValue(forKey: uid) else { return }
        for pod in run.pods {
            _ = try? store.delete(ResourceCatalog.pods, namespace: run.namespace, name: pod.name)
            logs.remove(namespace: run.namespace, pod: pod.name)
        }
        for rj in run.plan.replicatedJobs {
            _ = try? store.delete(ResourceCatalog.jobs, namespace: run.namespace, name: "\(run.name)-\(rj.name)-0")
        }
        _ = try? store.delete(ResourceCatalog.jobSets, namespace: run.namespace, name: run.name)
        s.allocator.release(uid)
        s.capacityChanged = true
    }

    // MARK: Writes

    /// Moves a pod to Running (exitCode nil) or to Succeeded/Failed.
    private func setPhase(_ run: inout JobRun, _ i: Int, exitCode: Int?) {
        let pod = run.pods[i]
        if let exitCode {
            run.pods[i].phase = exitCode == 0 ? "Succeeded" : "Failed"
            updatePod(run, pod.name) { PodFactory.terminated($0, exitCode: exitCode) }
            logs.finish(namespace: run.namespace, pod: pod.name)
        } else {
            run.pods[i].phase = "Running"
            updatePod(run, pod.name) { PodFactory.running($0) }
            events.record(podInvolved(run, pod.name), reason: "Started", message: "Started container \(pod.container)",
                          component: "kubelet")
        }
    }

    private func updatePod(_ run: JobRun, _ name: String, _ change: @escaping (JSON) -> JSON) {
        _ = try? store.update(ResourceCatalog.pods, namespace: run.namespace, name: name) { (p: JSON) throws(APIError) in
            change(p)
        }
    }

    /// The Jobs' and the JobSet's status, from the pods (the Job and JobSet controllers' part).
    private func updateChildren(_ run: JobRun, now: String) {
        for rj in run.plan.replicatedJobs {
            let slots = run.pods.filter { $0.replicatedJob == rj.name }
            _ = try? store.update(ResourceCatalog.jobs, namespace: run.namespace, name: "\(run.name)-\(rj.name)-0") {
                (job: JSON) throws(APIError) -> JSON in
                var j = job
                j.set(.bool(run.suspended), at: ["spec", "suspend"])
                j["status"] = ChildObjects.jobStatus(job["status"] ?? [:], pods: slots, suspended: run.suspended, now: now)
                return j
            }
        }
        _ = try? store.update(ResourceCatalog.jobSets, namespace: run.namespace, name: run.name) {
            (jobSet: JSON) throws(APIError) -> JSON in
            var j = jobSet
            j.set(.bool(run.suspended), at: ["spec", "suspend"])
            j["status"] = ChildObjects.jobSetStatus(jobSet["status"] ?? [:], run: run, now: now)
            return j
        }
    }

    private func updateStatus(_ run: JobRun) {
        let now = Timestamp.now()
        updateChildren(run, now: now)
        let reports = reportsProgress(run)
        let total = run.log.totalSteps
        let stepSeconds = timing.stepSeconds
        _ = try? store.update(ResourceCatalog.trainJobs, namespace: run.namespace, name: run.name) {
            (job: JSON) throws(APIError) -> JSON in
            var j = job
            j.set(run.jobsStatus, at: ["status", "jobsStatus"])
            if reports && (run.stage == .training || run.isFinished) {
                let step = run.stage == .succeeded ? total : run.lastStep
                let percent = step * 100 / max(total, 1)
                j.set([
                    "progressPercentage": .int(percent),
                    "estimatedRemainingSeconds": .int(Int(Double(total - step) * stepSeconds)),
                    "metrics": .array([["name": "loss", "value": .string(String(format: "%.4f", run.log.numbers.loss(at: max(step, 1))))]]
                        + (run.log.numbers.learningRate(at: step).map {
                            [["name": "learning_rate", "value": .string(TrainingLog.scientific($0))]]
                        } ?? [])
                        + [["name": "step", "value": .string("\(step)/\(total)")]]),
                    "lastUpdatedTime": .string(now),
                ], at: ["status", "trainerStatus"])
            }
            return j
        }
    }

    /// Whether `status.trainerStatus` is written for this run: as on v2.3.0, only with the TrainJobStatus
    /// gate on and a trainer that reports (`update_trainjob_status`). Katib trials report through their
    /// `metric=value` lines, which the StdOut collector reads.
    private func reportsProgress(_ run: JobRun) -> Bool {
        trainJobStatusGate && run.plan.workload.reportsProgress
    }

    /// Sets or replaces one condition (conditions are a map keyed by type).
    private func setCondition(_ run: JobRun, type: String, status: String, reason: String, message: String) {
        _ = try? store.update(ResourceCatalog.trainJobs, namespace: run.namespace, name: run.name) {
            (job: JSON) throws(APIError) -> JSON in
            var j = job
            var conditions = j["status"]?["conditions"]?.array ?? []
            let condition: JSON = ["type": .string(type), "status": .string(status), "reason": .string(reason),
                                   "message": .string(message), "lastTransitionTime": .string(Timestamp.now())]
            if let i = conditions.firstIndex(where: { $0["type"]?.string == type }) {
                if conditions[i]["status"] == condition["status"] && conditions[i]["reason"] == condition["reason"] {
                    return j
                }
                conditions[i] = condition
            } else {
                conditions.append(condition)
            }
            j.set(.array(conditions), at: ["status", "conditions"])
            return j
        }
    }

    private func simSeconds(since start: Date, now: Date) -> Double { now.timeIntervalSince(start) * timeScale }

    private func jobInvolved(_ run: JobRun, _ replicatedJob: String) -> EventRecorder.Involved {
        .init(kind: "Job", apiVersion: "batch/v1", name: "\(run.name)-\(replicatedJob)-0", namespace: run.namespace,
              uid: run.uid)
    }

    /// Pod events carry the pod's own uid: `kubectl describe pod` selects events by it.
    private func podInvolved(_ run: JobRun, _ pod: String) -> EventRecorder.Involved {
        .init(kind: "Pod", apiVersion: "v1", name: pod, namespace: run.namespace,
              uid: run.pods.first { $0.name == pod }?.uid ?? run.uid)
    }

    private static func isFinished(_ job: JSON) -> Bool {
        (job["status"]?["conditions"]?.array ?? []).contains {
            ($0["type"]?.string == "Complete" || $0["type"]?.string == "Failed") && $0["status"]?.string == "True"
        }
    }
}
