/// POSIX shell quoting for the generated `bash -c` scripts.
public enum ShellQuote {
    public static func quote(_ s: String) -> String {
        if s.isEmpty { return "''" }
        let safe = s.unicodeScalars.allSatisfy { c in
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
                || "@%+=:,./-_".unicodeScalars.contains(c)
        }
        if safe { return s }
        return "'" + s.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\"'\"'") + "'"
    }
}
