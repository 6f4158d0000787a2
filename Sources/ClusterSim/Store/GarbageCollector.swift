import KFJSON

/// Kubernetes' garbage collector, for the kinds our tools make dependents of: a Secret or
/// ConfigMap whose `metadata.ownerReferences` names a deleted object's uid goes with it
/// (background propagation; the real collector is asynchronous, this one immediate).
/// Pods are the TrainJob controller's to remove (TrainJobController.cleanUp).
enum GarbageCollector {
    static let dependentTypes = [ResourceCatalog.secrets, ResourceCatalog.configMaps]

    static func collect(dependentsOf owner: StoredObject, in store: ObjectStore) {
        let uid = owner.object.uid
        guard !uid.isEmpty else { return }
        for type in dependentTypes {
            for item in store.list(type, namespace: owner.object.namespace).items
            where (item.object["metadata"]?["ownerReferences"]?.array ?? []).contains(where: { $0["uid"]?.string == uid }) {
                _ = try? store.delete(type, namespace: item.object.namespace, name: item.object.name)
            }
        }
    }
}
