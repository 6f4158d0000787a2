import Foundation

/// Kubernetes writes times as RFC 3339 in UTC with second precision ("2026-09-01T10:00:00Z").
enum Timestamp {
    static func rfc3339(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ",
                      c.year ?? 1970, c.month ?? 1, c.day ?? 1, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }

    static func now() -> String { rfc3339(Date()) }

    /// RFC 3339 with microseconds, the shape of `Event.eventTime` (MicroTime).
    static func micro(_ date: Date) -> String {
        let base = rfc3339(date).dropLast()
        let micros = Int((date.timeIntervalSince1970 * 1_000_000).truncatingRemainder(dividingBy: 1_000_000))
        return base + String(format: ".%06dZ", micros)
    }
}

/// Random suffixes the way Kubernetes makes them: lowercase consonants and digits,
/// no vowels so generated names never spell words.
enum RandomName {
    private static let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")

    static func suffix(_ count: Int = 5) -> String {
        String((0..<count).map { _ in alphabet.randomElement()! })
    }

    static func uid() -> String { UUID().uuidString.lowercased() }
}
