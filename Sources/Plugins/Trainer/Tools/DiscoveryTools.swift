import PluginKit

/// Cluster facts, jobs and runtimes: all read-only.
enum DiscoveryTools {
    static var all: [ToolDefinition] {
        [getClusterInfo, getClusterResources, listTrainingJobs, getTrainingJob, listTrainingRuntimes,
         getRuntimeSpec, getJobSpec]
    }

    static let namespaceOnly = Schema.object(["namespace": Schema.namespace])

    static func withoutManagedFields(_ object: JSON) -> JSON {
        var copy = object
        copy["metadata"]?["managedFields"] = nil
        return copy
    }
}
