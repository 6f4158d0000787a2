import KFJSON

/// apimachinery's `ValidateObjectMeta` for what the tools and tests send: names (DNS
/// subdomain, or DNS label for namespaces), label keys and values, annotation keys and
/// total size. Messages match kube-apiserver's, so a 422 reads the same as a real one.
enum MetadataValidation {
    static let labelValueMax = 63
    static let annotationsMaxBytes = 256 * 1024

    static func errors(_ object: JSON, type: ResourceType) -> [FieldError] {
        var errors: [FieldError] = []
        let name = object.name
        if type == ResourceCatalog.namespaces, !name.isEmpty, !isDNSLabel(name) {
            errors.append(.invalid("metadata.name", .string(name),
                                   "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
                                       + "'-', and must start and end with an alphanumeric character (e.g. 'my-name',  "
                                       + "or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"))
        }
        let labels = object["metadata"]?["labels"]?.object ?? [:]
        for key in labels.keys.sorted() {
            errors += qualifiedNameErrors(key, field: "metadata.labels")
            let value = labels[key]?.string ?? ""
            if value.utf8.count > labelValueMax {
                errors.append(.invalid("metadata.labels", .string(value),
                                       "must be no more than \(labelValueMax) characters"))
            }
            if !value.isEmpty && !RegexCache.matches(value, "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$") {
                errors.append(.invalid("metadata.labels", .string(value),
                                       "a valid label must be an empty string or consist of alphanumeric characters, "
                                           + "'-', '_' or '.', and must start and end with an alphanumeric character "
                                           + "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
                                           + "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"))
            }
        }
        let annotations = object["metadata"]?["annotations"]?.object ?? [:]
        var size = 0
        for key in annotations.keys.sorted() {
            errors += qualifiedNameErrors(key.lowercased(), field: "metadata.annotations", shown: key)
            size += key.utf8.count + (annotations[key]?.string ?? "").utf8.count
        }
        if size > annotationsMaxBytes {
            errors.append(FieldError(reason: "FieldValueTooLong", field: "metadata.annotations",
                                     message: "Too long: may not be more than \(annotationsMaxBytes) bytes"))
        }
        return errors
    }

    /// `[prefix/]name`: prefix a DNS subdomain, name 1–63 alphanumerics, '-', '_', '.'.
    static func qualifiedNameErrors(_ key: String, field: String, shown: String? = nil) -> [FieldError] {
        let value = JSON.string(shown ?? key)
        let parts = key.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var name = key
        var errors: [FieldError] = []
        if parts.count == 2 {
            name = parts[1]
            if parts[0].isEmpty {
                errors.append(.invalid(field, value, "prefix part must be non-empty"))
            } else if !Admission.isDNSSubdomain(parts[0]) {
                errors.append(.invalid(field, value,
                                       "prefix part a lowercase RFC 1123 subdomain must consist of lower case "
                                           + "alphanumeric characters, '-' or '.', and must start and end with an "
                                           + "alphanumeric character (e.g. 'example.com', regex used for validation is "
                                           + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"))
            }
        } else if parts.count > 2 {
            return [.invalid(field, value,
                             "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start "
                                 + "and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', "
                                 + "regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an "
                                 + "optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")]
        }
        if name.isEmpty {
            errors.append(.invalid(field, value, "name part must be non-empty"))
        } else if name.utf8.count > 63 {
            errors.append(.invalid(field, value, "name part must be no more than 63 characters"))
        } else if !RegexCache.matches(name, "^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$") {
            errors.append(.invalid(field, value,
                                   "name part must consist of alphanumeric characters, '-', '_' or '.', and must start "
                                       + "and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
                                       + "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"))
        }
        return errors
    }

    static func isDNSLabel(_ name: String) -> Bool {
        name.count <= 63 && RegexCache.matches(name, "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    }
}
