/// Several kubeconfig files seen as one, by kubectl's rules for `KUBECONFIG`:
/// the first file that sets a value wins. Clusters, users and contexts merge
/// by name (first definition wins); current-context comes from the first file
/// that has one.
struct MergedKubeConfig {
    var files: [String] = []
    var currentContext: String?
    var clusters: [String: KubeConfigFile.Named<KubeConfigFile.Cluster>] = [:]
    var users: [String: KubeConfigFile.Named<KubeConfigFile.User>] = [:]
    var contexts: [String: KubeConfigFile.Named<KubeConfigFile.Context>] = [:]
    /// Context names in first-seen order, for "available contexts" hints.
    var contextNames: [String] = []

    init(_ files: [KubeConfigFile]) {
        for file in files {
            self.files.append(file.path)
            if currentContext == nil { currentContext = file.currentContext }
            for cluster in file.clusters where clusters[cluster.name] == nil {
                clusters[cluster.name] = cluster
            }
            for user in file.users where users[user.name] == nil {
                users[user.name] = user
            }
            for context in file.contexts where contexts[context.name] == nil {
                contexts[context.name] = context
                contextNames.append(context.name)
            }
        }
    }

    /// "/a/config" or "/a/config, /b/config", for messages.
    var filesDescription: String { files.joined(separator: ", ") }
}
