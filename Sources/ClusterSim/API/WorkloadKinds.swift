/// The kinds a TrainJob's pods are owned through: the JobSet the Trainer controller creates
/// (jobset.x-k8s.io/v1alpha2, a CRD on real clusters) and the batch/v1 Jobs JobSet creates.
/// The TrainJob controller writes them (ChildObjects.swift); clients read them (`kubectl get jobsets,jobs`).
extension ResourceCatalog {
    static let jobs = ResourceType(group: "batch", version: "v1", plural: "jobs", singular: "job", kind: "Job",
                                   namespaced: true, categories: ["all"], hasStatus: true)
    static let jobSets = ResourceType(group: "jobset.x-k8s.io", version: "v1alpha2", plural: "jobsets",
                                      singular: "jobset", kind: "JobSet", namespaced: true, hasStatus: true)

    static let workloadKinds = [jobs, jobSets]
}
