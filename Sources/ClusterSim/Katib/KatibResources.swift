/// Katib's v1beta1 kinds (CRDs in Resources/katib, copied from Katib v0.19.0). Their
/// schemas preserve unknown fields: the real checks are Katib's webhooks
/// (Admission/ExperimentWebhooks, rules in KatibRules, which the optimizer plugin runs too).
enum KatibResources {
    static let group = "kubeflow.org"
    static let experiments = ResourceCatalog.experiments
    static let trials = ResourceType(group: group, version: "v1beta1", plural: "trials", singular: "trial",
                                     kind: "Trial", namespaced: true, categories: ["all", "kubeflow", "katib"],
                                     hasStatus: true)
    static let suggestions = ResourceType(group: group, version: "v1beta1", plural: "suggestions",
                                          singular: "suggestion", kind: "Suggestion", namespaced: true,
                                          categories: ["all", "kubeflow", "katib"], hasStatus: true)

    static let experimentLabel = "katib.kubeflow.org/experiment"
    static let trialLabel = TrialWorkload.trialLabel
}
