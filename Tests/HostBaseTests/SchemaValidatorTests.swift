@testable import HostBase
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

    /// Patterns as JSON Schema (ECMA-262) reads them: `$` ends the text, a
    /// scalar at a time; an unparsable pattern refuses the schema.
    @Test func matchesPatterns() {
        let label = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
        let subdomain = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
        for ok in ["a", "my-job-1", "0x"] { #expect(SchemaValidator.matches(ok, pattern: label), "\(ok)") }
        for bad in ["", "-a", "a-", "A", "a\n", "a.b", "é", "a\u{301}"] {
            #expect(!SchemaValidator.matches(bad, pattern: label), "\(bad.debugDescription)")
        }
        #expect(SchemaValidator.matches("a.b-c.d", pattern: subdomain))
        #expect(!SchemaValidator.matches("a..b", pattern: subdomain))
        #expect(SchemaValidator.matches("xx-abc", pattern: "abc"))  // unanchored: anywhere
        #expect(SchemaValidator.checkSchema(["type": "string", "pattern": "^[a-z"], path: "#") != nil)
        #expect(SchemaValidator.checkSchema(["type": "string", "pattern": .string(label)], path: "#") == nil)
    }

    /// The patterns read by hand agree with the regex they stand for.
    @Test func knownPatternsMatchAsTheirRegex() throws {
        let alphabet = Array("ab09-.A_\n é")
        for (pattern, known) in SchemaPatterns.known {
            let regex = try #require(SchemaPatterns.regex(pattern))
            for _ in 0..<3_000 {
                let s = String((0..<Int.random(in: 0...6)).map { _ in alphabet.randomElement()! })
                let byRegex = s.firstMatch(of: regex).map { $0.range.upperBound == s.endIndex } ?? false
                #expect(known(Array(s.utf8)) == byRegex, "\(pattern) on \(s.debugDescription)")
            }
        }
    }
}
