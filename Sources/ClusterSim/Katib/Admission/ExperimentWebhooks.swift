import KatibRules
import KFJSON

/// Katib's two webhooks on Experiments, as the API server calls them on CREATE and UPDATE
/// (dry runs included: both declare no side effects): the defaulter decodes and mutates
/// first, the validator then admits or denies. A denial is what kube-apiserver makes of Katib's
/// `admission.Errored(http.StatusBadRequest, err)`: code 400, no reason, and the message
/// `admission webhook "validator.experiment.katib.kubeflow.org" denied the request: …`.
struct ExperimentWebhooks {
    static let validatorName = "validator.experiment.katib.kubeflow.org"
    static let defaulterName = ExperimentDefaulter.name
    /// The label a Kubeflow Profile puts on its namespace; Katib admits experiments only there.
    static let injectionLabel = "katib.kubeflow.org/metrics-collector-injection"

    /// What the webhook reads from the cluster, read before the store is locked for a write.
    let namespaceLabels: [String: String]
    let configMaps: [String: [String: JSON]]
    var config = KatibConfig.v0_19

    init(store: ObjectStore, namespace: String) {
        namespaceLabels = store.get(ResourceCatalog.namespaces, namespace: nil, name: namespace)?.object.labels ?? [:]
        configMaps = Dictionary(store.list(ResourceCatalog.configMaps, namespace: nil).items.map {
            ("\($0.object.namespace)/\($0.object.name)", $0.object["data"]?.object ?? [:])
        }, uniquingKeysWith: { a, _ in a })
    }

    /// The defaulter, which runs first, is also the first to decode: a wrongly typed field is its denial.
    func mutate(_ experiment: JSON) throws(APIError) -> JSON {
        if let problem = ExperimentDecoding.problem(experiment) { throw Self.denial(problem, by: Self.defaulterName) }
        return ExperimentDefaulter.defaulted(experiment)
    }

    func validate(_ experiment: JSON, old: JSON?) throws(APIError) {
        if namespaceLabels[Self.injectionLabel] != "enabled" {
            throw Self.denial("Cannot create the Experiment \"\(experiment.name)\" in namespace \"\(experiment.namespace)\": "
                              + "the namespace lacks label \"\(Self.injectionLabel): enabled\"")
        }
        let configMaps = self.configMaps
        let validator = ExperimentValidator(config: config, configMapData: { ns, name in configMaps["\(ns)/\(name)"] },
                                            regexCompiles: { GoRegex.compile($0) != nil })
        let errors = validator.validate(experiment, old: old)
        guard !errors.isEmpty else { return }
        throw Self.denial(KatibFieldError.aggregate(errors))
    }

    static func denial(_ message: String, by webhook: String = validatorName) -> APIError {
        APIError(code: 400, reason: "", message: "admission webhook \"\(webhook)\" denied the request: \(message)")
    }
}
