import KFJSON

/// The admission webhooks a stock cluster runs around the API server's own checks, in the
/// API server's order: mutating webhooks before the schema, validating webhooks after it.
/// Katib's Experiment webhooks are here; the request handler runs Trainer's (TrainerWebhooks)
/// inside `admit`'s closure, next to the API server's own checks.
/// Made before a write locks the store: the webhooks read the cluster when they are made.
struct AdmissionWebhooks {
    private let experiments: ExperimentWebhooks?

    /// Katib registers its webhooks for `experiments`, not their `status` subresource.
    init(store: ObjectStore, type: ResourceType, subresource: String?, namespace: String?) {
        experiments = type == ResourceCatalog.experiments && subresource == nil
            ? ExperimentWebhooks(store: store, namespace: namespace ?? "") : nil
    }

    /// Mutate, let the API server admit (`admit`: name, schema), then validate.
    func admit(_ object: JSON, old: JSON?, _ admit: (JSON) throws(APIError) -> JSON) throws(APIError) -> JSON {
        guard let experiments else { return try admit(object) }
        let admitted = try admit(try experiments.mutate(object))
        try experiments.validate(admitted, old: old)
        return admitted
    }
}
