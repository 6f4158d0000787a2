import PluginKit

/// A small plugin that shows how a Swift plugin is written, and gives the host's
/// end-to-end tests tools with known behaviour (echo, slow work with progress).
public let samplePlugin = PluginDefinition(
    id: "sample",
    version: "1.0.0",
    description: "Example tools: echo and a cancellable countdown with progress.",
    tools: [
        ToolDefinition(
            name: "sample_echo", title: "Echo",
            description: "Returns the text it was given, and its length.",
            category: "discovery", risk: .readOnly, idempotent: true,
            input: Schema.object(["text": Schema.string("Text to echo back.")], required: ["text"]),
            output: Schema.object(["text": Schema.string("The same text."),
                                   "length": Schema.integer("Characters in the text.")],
                                  required: ["text", "length"])
        ) { call in
            let text = try call.string("text")
            return ToolOutput(["text": .string(text), "length": .int(text.count)], text: text)
        },
        ToolDefinition(
            name: "sample_countdown", title: "Countdown",
            description: "Counts down `steps` steps of `step_ms` milliseconds, reporting progress; stops when cancelled.",
            category: "monitoring", risk: .readOnly,
            input: Schema.object([
                "steps": Schema.integer("How many steps.", minimum: 1, maximum: 10_000),
                "step_ms": Schema.integer("Milliseconds per step.", minimum: 0, maximum: 60_000, default: 10),
            ], required: ["steps"]),
            output: Schema.result(always: ["completed": Schema.of("integer"), "cancelled": Schema.of("boolean")])
        ) { call in
            let steps = try call.optionalInt("steps") ?? 1
            let stepMs = try call.optionalInt("step_ms") ?? 10
            for i in 0..<steps {
                if call.isCancelled {
                    call.log("sample_countdown cancelled at step \(i)/\(steps)")
                    return ToolOutput(["completed": .int(i), "cancelled": true])
                }
                call.progress(Double(i + 1) / Double(steps), "step \(i + 1)/\(steps)")
                sleepMilliseconds(stepMs)
            }
            return ToolOutput(["completed": .int(steps), "cancelled": false])
        },
        ToolDefinition(
            name: "sample_config", title: "Plugin config",
            description: "Returns this plugin's settings from its plugins.d YAML entry.",
            category: "discovery", risk: .readOnly, idempotent: true,
            input: Schema.object([:]),
            output: Schema.result(always: ["config": Schema.of("object")])
        ) { call in
            ToolOutput(["config": call.host.config()])
        },
    ]
)
