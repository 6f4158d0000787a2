/// The KEP's personas, as policy YAML (the same format as a policy file):
///
/// | persona        | discovery | planning | training | lifecycle  | storage | runtimes | optimizer     |
/// |----------------|-----------|----------|----------|------------|---------|----------|---------------|
/// | readonly       | yes       | yes      | no       | no         | no      | no       | read          |
/// | data-scientist | yes       | yes      | yes      | own jobs   | no      | no       | own experiments |
/// | ml-engineer    | yes       | yes      | yes      | yes        | yes     | use      | yes           |
/// | platform-admin | yes       | yes      | yes      | yes        | yes     | create   | yes           |
///
/// Monitoring goes with discovery. "Runtimes: use" means listing and reading
/// runtimes (discovery tools) but not creating or deleting them (runtimes tools).
/// Optimizer: hyperparameter experiments; read-only mode leaves readonly their
/// read tools, and data-scientist deletes only the experiments it created.
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
