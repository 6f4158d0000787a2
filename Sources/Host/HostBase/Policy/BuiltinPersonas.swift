/// The KEP's personas, as policy YAML (the same format as a policy file):
///
/// | persona        | discovery | planning | training | lifecycle  | storage | runtimes | optimizer     | registry |
/// |----------------|-----------|----------|----------|------------|---------|----------|---------------|----------|
/// | readonly       | yes       | yes      | no       | no         | no      | no       | read          | read     |
/// | data-scientist | yes       | yes      | yes      | own jobs   | no      | no       | own experiments | yes    |
/// | ml-engineer    | yes       | yes      | yes      | yes        | yes     | use      | yes           | yes      |
/// | platform-admin | yes       | yes      | yes      | yes        | yes     | create   | yes           | yes      |
///
/// Monitoring goes with discovery. "Runtimes: use" means listing and reading
/// runtimes (discovery tools) but not creating or deleting them (runtimes tools).
/// Optimizer: hyperparameter experiments; read-only mode leaves readonly their
/// read tools, and data-scientist deletes only the experiments it created.
/// Registry: the Model Registry; readonly lists and reads, the others register
/// and update versions (RBAC on services/proxy has the last word; the policy's default
/// `subresources: [services/model-registry-service/proxy]` is the registry's route).
/// `kubeflow-mcp policy show NAME` prints one; a policy file extends one with
/// `persona: NAME`.
public enum BuiltinPersonas {
    public static let yaml: [String: String] = [
        "readonly": """
            # readonly: look, plan and watch; change nothing.
            policy:
              allow:
                - category:discovery
                - category:planning
                - category:monitoring
                - category:optimizer
                - category:registry
              read_only: true
            """,
        "data-scientist": """
            # data-scientist: train, fine-tune and tune; manage only the jobs and experiments you created.
            policy:
              allow:
                - category:discovery
                - category:planning
                - category:monitoring
                - category:training
                - category:lifecycle
                - category:optimizer
                - category:registry
              own_jobs_only:
                - category:lifecycle
                - category:optimizer
            """,
        "ml-engineer": """
            # ml-engineer: everything but creating or deleting training runtimes.
            policy:
              allow:
                - category:discovery
                - category:planning
                - category:monitoring
                - category:training
                - category:lifecycle
                - category:storage
                - category:optimizer
                - category:registry
            """,
        "platform-admin": """
            # platform-admin: every tool, runtimes included.
            policy:
              allow:
                - "*"
            """,
    ]

    public static var names: [String] { yaml.keys.sorted() }
}
