import PluginKit

/// Registered models as resources (get_model), and completion of their names.
/// A model whose name is not a plain lower-case name ('/' or '_' in it) has no URI.
enum RegistrySurface {
    static let model = "registry://models/{name}"
    static let names = SurfaceHandler("list_models")

    static let definition = MCPSurfaceDefinition(
        resourceTemplates: [
            ResourceTemplateDefinition(
                uriTemplate: model,
                look: ResourceLook(name: "registered-model", title: "Registered model",
                                   description: "A Model Registry entry with its versions and artifacts (get_model)."),
                read: SurfaceHandler("get_model", ["name": "{name}"]),
                list: .init(names, items: "models", fields: ["name": "name"])),
        ],
        completions: [CompletionDefinition(.resourceTemplate(model), argument: "name", handler: names, items: "models", field: "name")])
}
