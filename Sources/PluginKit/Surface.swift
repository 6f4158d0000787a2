/// What a plugin adds to MCP beyond tools (manifest `mcp_surface_json`, ABI
/// 1.2; shapes in docs/mcp-surface.md). Every entry names one of the plugin's
/// own tools: the host reads a resource, gets a prompt or completes an
/// argument by calling that tool, under the same policy as any call.
public struct MCPSurfaceDefinition: Sendable {
    public var resources: [ResourceDefinition]
    public var resourceTemplates: [ResourceTemplateDefinition]
    public var prompts: [PromptDefinition]
    public var completions: [CompletionDefinition]

    public init(resources: [ResourceDefinition] = [], resourceTemplates: [ResourceTemplateDefinition] = [],
                prompts: [PromptDefinition] = [], completions: [CompletionDefinition] = []) {
        self.resources = resources
        self.resourceTemplates = resourceTemplates
        self.prompts = prompts
        self.completions = completions
    }

    public var json: JSON {
        var o: [String: JSON] = [:]
        if !resources.isEmpty { o["resources"] = .array(resources.map(\.json)) }
        if !resourceTemplates.isEmpty { o["resource_templates"] = .array(resourceTemplates.map(\.json)) }
        if !prompts.isEmpty { o["prompts"] = .array(prompts.map(\.json)) }
        if !completions.isEmpty { o["completions"] = .array(completions.map(\.json)) }
        return .object(o)
    }
}

/// A call of one of the plugin's tools. A string argument that is exactly
/// "{variable}" takes the value of that URI variable or prompt argument.
public struct SurfaceHandler: Sendable {
    public var tool: String
    public var arguments: [String: JSON]
    public init(_ tool: String, _ arguments: [String: JSON] = [:]) {
        self.tool = tool
        self.arguments = arguments
    }
    func add(to o: inout [String: JSON]) {
        o["tool"] = .string(tool)
        if !arguments.isEmpty { o["arguments"] = .object(arguments) }
    }
}

/// How a resource is shown: the handler's result as JSON, or (contentField)
/// one field of it: a string as is, an array of strings as lines.
public struct ResourceLook: Sendable {
    public var name: String
    public var title: String?
    public var description: String?
    public var mimeType: String
    public var contentField: String?
    public init(name: String, title: String? = nil, description: String? = nil,
                mimeType: String = "application/json", contentField: String? = nil) {
        self.name = name
        self.title = title
        self.description = description
        self.mimeType = mimeType
        self.contentField = contentField
    }
    func add(to o: inout [String: JSON]) {
        o["name"] = .string(name)
        if let title { o["title"] = .string(title) }
        if let description { o["description"] = .string(description) }
        o["mimeType"] = .string(mimeType)
        if let contentField { o["content_field"] = .string(contentField) }
    }
}

public struct ResourceDefinition: Sendable {
    public var uri: String
    public var look: ResourceLook
    public var read: SurfaceHandler
    public init(uri: String, look: ResourceLook, read: SurfaceHandler) {
        self.uri = uri
        self.look = look
        self.read = read
    }
    var json: JSON {
        var o: [String: JSON] = ["uri": .string(uri)]
        look.add(to: &o)
        read.add(to: &o)
        return .object(o)
    }
}

public struct ResourceTemplateDefinition: Sendable {
    /// Instances for resources/list: a tool whose result has an array `items`;
    /// `fields` maps each template variable to a field of one item.
    public struct Listing: Sendable {
        public var handler: SurfaceHandler
        public var items: String
        public var fields: [String: String]
        public init(_ handler: SurfaceHandler, items: String, fields: [String: String]) {
            self.handler = handler
            self.items = items
            self.fields = fields
        }
    }
    /// The Kubernetes collection whose objects these resources show: the host
    /// keeps one watch per namespace for every subscriber (resources/subscribe).
    public struct Watch: Sendable {
        public var group, version, resource: String
        public init(group: String, version: String, resource: String) {
            self.group = group
            self.version = version
            self.resource = resource
        }
    }
    public var uriTemplate: String
    public var look: ResourceLook
    public var read: SurfaceHandler
    public var list: Listing?
    public var watch: Watch?
    public init(uriTemplate: String, look: ResourceLook, read: SurfaceHandler, list: Listing? = nil, watch: Watch? = nil) {
        self.uriTemplate = uriTemplate
        self.look = look
        self.read = read
        self.list = list
        self.watch = watch
    }
    var json: JSON {
        var o: [String: JSON] = ["uriTemplate": .string(uriTemplate)]
        look.add(to: &o)
        read.add(to: &o)
        if let list {
            var l: [String: JSON] = ["items": .string(list.items), "fields": .object(list.fields.mapValues { .string($0) })]
            list.handler.add(to: &l)
            o["list"] = .object(l)
        }
        if let watch {
            o["watch"] = ["group": .string(watch.group), "version": .string(watch.version), "resource": .string(watch.resource)]
        }
        return .object(o)
    }
}

/// A prompt: the host checks its arguments (required, known, strings) and calls
/// `tool` with {"prompt": name, "arguments": {…}}; the tool answers
/// {"description"?, "messages": [{"role": "user"|"assistant", "content": {"type": "text", "text": …}}]}.
public struct PromptDefinition: Sendable {
    public struct Argument: Sendable {
        public var name: String
        public var description: String
        public var required: Bool
        public init(_ name: String, _ description: String, required: Bool = false) {
            self.name = name
            self.description = description
            self.required = required
        }
    }
    public var name: String
    public var title: String
    public var description: String
    public var arguments: [Argument]
    public var tool: String
    public init(name: String, title: String, description: String, arguments: [Argument], tool: String) {
        self.name = name
        self.title = title
        self.description = description
        self.arguments = arguments
        self.tool = tool
    }
    var json: JSON {
        ["name": .string(name), "title": .string(title), "description": .string(description), "tool": .string(tool),
         "arguments": .array(arguments.map { ["name": .string($0.name), "description": .string($0.description), "required": .bool($0.required)] })]
    }
}

/// Candidates for one prompt argument or template variable: the handler's
/// result holds them in `items` (strings, or objects whose `field` is taken),
/// or in "values" when `items` is nil. The host filters by the typed prefix and policy.
public struct CompletionDefinition: Sendable {
    public enum Reference: Sendable {
        case prompt(String)
        case resourceTemplate(String)
    }
    public var ref: Reference
    public var argument: String
    public var handler: SurfaceHandler
    public var items: String?
    public var field: String?
    public init(_ ref: Reference, argument: String, handler: SurfaceHandler, items: String? = nil, field: String? = nil) {
        self.ref = ref
        self.argument = argument
        self.handler = handler
        self.items = items
        self.field = field
    }
    var json: JSON {
        var o: [String: JSON] = ["argument": .string(argument)]
        switch ref {
        case .prompt(let name): o["ref"] = ["type": "ref/prompt", "name": .string(name)]
        case .resourceTemplate(let uri): o["ref"] = ["type": "ref/resource", "uri": .string(uri)]
        }
        handler.add(to: &o)
        if let items { o["items"] = .string(items) }
        if let field { o["field"] = .string(field) }
        return .object(o)
    }
}
