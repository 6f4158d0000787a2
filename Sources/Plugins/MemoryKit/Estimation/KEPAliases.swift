import PluginKit

/// KEP-936 names for planning arguments where ours differ: `peft_method` for
/// `method` (and fine_tune's `none`, which means full). Applied before any
/// check, so validate_config and estimate_resources read what fine_tune takes.
public enum KEPAliases {
    public static let peftMethod = Schema.string("KEP-936 name for method (none means full).", enum: FineTuneMethod.allCases.map(\.rawValue) + ["none"])

    public static func apply(_ arguments: JSON) throws -> JSON {
        var a = arguments
        if let peft = a["peft_method"], !peft.isNull {
            if let method = a["method"], !method.isNull, method != peft {
                throw ToolError("Give the method once: method or peft_method (its KEP-936 name).", field: "peft_method")
            }
            a["method"] = peft
        }
        a["peft_method"] = nil
        if a["method"]?.string == "none" { a["method"] = "full" }
        return a
    }
}
