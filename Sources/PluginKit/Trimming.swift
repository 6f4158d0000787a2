/// Trimming without Foundation, so a plugin library does not link libFoundation
/// (and its ICU data) for it. Each matches Foundation's `trimmingCharacters(in:)`
/// with the character set named: it works on Unicode scalars, not Characters, so
/// a combining mark after a trimmed space stays (Tests/TrainerTests/TrimmingTests
/// compares them with Foundation's).
extension StringProtocol {
    /// Without the leading and trailing scalars `isTrimmed` accepts.
    public func trimmingScalars(where isTrimmed: (Unicode.Scalar) -> Bool) -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !isTrimmed($0) }),
              let last = scalars.lastIndex(where: { !isTrimmed($0) }) else { return "" }
        var kept = String.UnicodeScalarView()
        kept.append(contentsOf: scalars[first...last])
        return String(kept)
    }

    /// Without spaces (general category Zs) and tabs at either end: Foundation's `.whitespaces`
    /// (which counts U+200B ZERO WIDTH SPACE as a space too).
    public func trimmingSpacesAndTabs() -> String {
        trimmingScalars { $0 == "\t" || $0 == "\u{200B}" || $0.properties.generalCategory == .spaceSeparator }
    }

    /// Without white space and line breaks at either end (the Unicode White_Space
    /// property, and U+200B): Foundation's `.whitespacesAndNewlines`.
    public func trimmingWhitespace() -> String {
        trimmingScalars { $0 == "\u{200B}" || $0.properties.isWhitespace }
    }
}
