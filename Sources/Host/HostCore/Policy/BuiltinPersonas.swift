/// The KEP's personas, as policy YAML (the same format as a policy file):
///
/// | persona        | discovery | planning | training | lifecycle  | storage | runtimes |
/// |----------------|-----------|----------|----------|------------|---------|----------|
/// | readonly       | yes       | yes      | no       | no         | no      | no       |
/// | data-scientist | yes       | yes      | yes      | own jobs   | no      | no       |
/// | ml-engineer    | yes       | yes      | yes      | yes        | yes     | use      |
/// | platform-admin | yes       | yes      | yes      | yes        | yes     | create   |
///
/// Monitoring goes with discovery. "Runtimes: use" means listing and reading
/// runtimes (discovery tools) but not creating or deleting them (runtimes tools).
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
              read_only: true
            """,
        "data-scientist": """
            # data-scientist: train and fine-tune; manage only the jobs you created.
            policy:
              allow:
                - category:discovery
                - category:planning
                - category:monitoring
                - category:training
                - category:lifecycle
              own_jobs_only:
                - category:lifecycle
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
