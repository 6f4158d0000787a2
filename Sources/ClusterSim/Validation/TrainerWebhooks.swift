import KFJSON
import TrainerRules

/// The validating admission webhooks a Trainer v2.3.0 cluster runs in front of TrainJobs and
/// (Cluster)TrainingRuntimes, on create and update: the rules themselves are TrainerRules'
/// (the code the plugins run too); here is only what the apiserver does around them.
///
/// A denial is what kube-apiserver answers for a webhook's `allowed: false` from
/// controller-runtime: HTTP 403, reason Forbidden, the message prefixed with the webhook's
/// name, and no details.
struct TrainerWebhooks: Sendable {
    let store: ObjectStore

    /// What the webhook reads from the cluster, gathered before the store's lock is taken
    /// (an update checks inside it).
    struct Snapshot: Sendable {
        var runtime: JSON?
        var cluster = ClusterFacts()
    }

    static func applies(to type: ResourceType) -> Bool {
        type == ResourceCatalog.trainJobs || type == ResourceCatalog.trainingRuntimes || type == ResourceCatalog.clusterTrainingRuntimes
    }

    /// Reads the runtime `trainJob` names and the pods of its JobSet.
    func snapshot(for trainJob: JSON) -> Snapshot {
        let ref = trainJob["spec"]?["runtimeRef"]
        let name = ref?["name"]?.string ?? ""
        let runtime = ref?["kind"]?.string == "TrainingRuntime"
            ? store.get(ResourceCatalog.trainingRuntimes, namespace: trainJob.namespace, name: name)
            : store.get(ResourceCatalog.clusterTrainingRuntimes, namespace: nil, name: name)
        // The JobSet's replicated jobs count as active while they have pods not yet finished.
        let pods = store.list(ResourceCatalog.pods, namespace: trainJob.namespace).items.map(\.object).filter {
            $0.labels["jobset.sigs.k8s.io/jobset-name"] == trainJob.name
                && ["Pending", "Running"].contains($0["status"]?["phase"]?.string ?? "")
        }
        let active = Set(pods.compactMap { $0.labels["jobset.sigs.k8s.io/replicatedjob-name"] }).sorted()
        // The simulator serves no PriorityClasses, so only the system ones exist.
        return Snapshot(runtime: runtime?.object, cluster: ClusterFacts(activeReplicatedJobs: active) { _ in false })
    }

    /// The mutating webhook, which kube-apiserver runs before the schema and the validating
    /// webhooks: TrainJobs' runtime patches get their time (not on the status subresource).
    func mutate(_ type: ResourceType, _ object: JSON, old: JSON?, subresource: String? = nil) -> JSON {
        guard type == ResourceCatalog.trainJobs, subresource == nil else { return object }
        return TrainJobDefaulting.apply(to: object, old: old, now: Timestamp.now())
    }

    /// What an update of `current` needs gathered, or nil when no webhook applies (other kinds,
    /// and the status subresource, which the webhooks are not registered for).
    func snapshot(_ type: ResourceType, current: JSON?, subresource: String?) -> Snapshot? {
        guard Self.applies(to: type), subresource == nil else { return nil }
        guard type == ResourceCatalog.trainJobs, let current else { return Snapshot() }
        return snapshot(for: current)
    }

    /// Creates: gathers and checks at once.
    func check(_ type: ResourceType, _ object: JSON) throws(APIError) {
        guard let snapshot = snapshot(type, current: object, subresource: nil) else { return }
        try check(type, object, old: nil, snapshot: snapshot)
    }

    func check(_ type: ResourceType, _ object: JSON, old: JSON?, snapshot: Snapshot) throws(APIError) {
        let review: AdmissionReview
        let webhook: String
        if type == ResourceCatalog.trainJobs {
            review = TrainJobAdmission.review(trainJob: object, runtime: snapshot.runtime, old: old, cluster: snapshot.cluster)
            webhook = TrainJobAdmission.webhookName
        } else if type == ResourceCatalog.trainingRuntimes || type == ResourceCatalog.clusterTrainingRuntimes {
            // The manifests' objectSelector: runtimes labelled this way (the built-in ones,
            // "validated ahead of time") never reach the webhook.
            if object.labels["trainer.kubeflow.org/webhook-validation"] == "disabled" { return }
            review = RuntimeAdmission.review(runtime: object, kind: type.kind, isUpdate: old != nil)
            webhook = RuntimeAdmission.webhookName(kind: type.kind)
        } else {
            return
        }
        guard let reason = review.message else { return }
        throw APIError(code: 403, reason: "Forbidden", message: TrainJobAdmission.deniedMessage(reason, webhook: webhook))
    }
}
