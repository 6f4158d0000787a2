@testable import HostCore
import KFJSON
import Testing

@Suite struct SchemaValidatorTests {
    let schema: JSON = [
        "type": "object",
        "properties": [
            "model": ["type": "string"],
            "epochs": ["type": "integer", "minimum": 1, "maximum": 100],
            "peft_method": ["type": "string", "enum": ["lora", "qlora", "none"]],
            "resources": ["type": "object", "additionalProperties": ["type": ["string", "number"]]],
            "tags": ["type": "array", "items": ["type": "string"]],
        ],
        "required": ["model"],
        "additionalProperties": false,
    ]

    @Test func acceptsValidArguments() {
        let args: JSON = ["model": "Qwen/Qwen2.5-7B", "epochs": 3, "peft_method": "lora",
                          "resources": ["gpu": 4, "memory": "64Gi"], "tags": ["a"]]
        #expect(SchemaValidator.validate(args, against: schema) == nil)
    }

    @Test(arguments: [
        (JSON.object([:]), "missing required argument 'model'"),
        (["model": 7], "argument 'model' must be a string"),
        (["model": "m", "epochs": 0], "argument 'epochs' must be ≥ 1"),
        (["model": "m", "epochs": 2.5], "argument 'epochs' must be an integer"),
        (["model": "m", "peft_method": "dora"], "argument 'peft_method' must be one of: lora, qlora, none"),
        (["model": "m", "resources": ["gpu": true]], "argument 'resources.gpu' must be a string or number"),
        (["model": "m", "tags": ["a", 1]], "argument 'tags[1]' must be a string"),
        (["model": "m", "extra": 1], "unknown argument 'extra'"),
    ] as [(JSON, String)])
    func namesTheField(_ args: JSON, _ expected: String) throws {
        let problem = try #require(SchemaValidator.validate(args, against: schema))
        #expect(problem.contains(expected), "\(problem)")
    }

    @Test func checksDeclaredSchemas() {
        #expect(SchemaValidator.checkToolInputSchema(schema) == nil)
        #expect(SchemaValidator.checkToolInputSchema(["type": "string"]) != nil)
        #expect(SchemaValidator.checkToolInputSchema(["type": "object", "properties": ["x": ["type": "strnig"]]])?
            .contains("not a JSON Schema type") == true)
        #expect(SchemaValidator.checkToolInputSchema(["type": "object", "required": "x"]) != nil)
    }
}
