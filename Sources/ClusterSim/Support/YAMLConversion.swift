import KFJSON
import KFYAML

/// YAML text to KFJSON values (seed files and the bundled runtime manifests).
enum YAMLConversion {
    static func documents(_ yaml: String) throws -> [JSON] {
        try YAMLReader.composeAll(yaml).map(\.json)
    }

    static func document(_ yaml: String) throws -> JSON {
        try YAMLReader.compose(yaml)?.json ?? .null
    }
}
