/// The kinds `deploy/kubernetes` is made of (ServiceAccounts are in ResourceCatalog), stored like any object (no
/// controller runs them), so `kubectl apply --dry-run=server -f deploy/…`
/// against the simulator checks the manifests.
extension ResourceCatalog {
    static let services = ResourceType(group: "", version: "v1", plural: "services", singular: "service", kind: "Service",
                                       namespaced: true, shortNames: ["svc"], hasStatus: true)
    static let deployments = ResourceType(group: "apps", version: "v1", plural: "deployments", singular: "deployment",
                                          kind: "Deployment", namespaced: true, shortNames: ["deploy"], hasStatus: true)
    static let clusterRoles = ResourceType(group: "rbac.authorization.k8s.io", version: "v1", plural: "clusterroles",
                                           singular: "clusterrole", kind: "ClusterRole", namespaced: false)
    static let clusterRoleBindings = ResourceType(group: "rbac.authorization.k8s.io", version: "v1",
                                                  plural: "clusterrolebindings", singular: "clusterrolebinding",
                                                  kind: "ClusterRoleBinding", namespaced: false)
    static let roles = ResourceType(group: "rbac.authorization.k8s.io", version: "v1", plural: "roles", singular: "role",
                                    kind: "Role", namespaced: true)
    static let roleBindings = ResourceType(group: "rbac.authorization.k8s.io", version: "v1", plural: "rolebindings",
                                           singular: "rolebinding", kind: "RoleBinding", namespaced: true)
    static let networkPolicies = ResourceType(group: "networking.k8s.io", version: "v1", plural: "networkpolicies",
                                              singular: "networkpolicy", kind: "NetworkPolicy", namespaced: true,
                                              shortNames: ["netpol"])

    static let podDisruptionBudgets = ResourceType(group: "policy", version: "v1", plural: "poddisruptionbudgets",
                                                   singular: "poddisruptionbudget", kind: "PodDisruptionBudget",
                                                   namespaced: true, shortNames: ["pdb"], hasStatus: true)

    static let deploymentKinds = [services, deployments, clusterRoles, clusterRoleBindings, networkPolicies,
                                  podDisruptionBudgets, roles, roleBindings]
}
