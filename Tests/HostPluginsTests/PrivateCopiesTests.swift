import Foundation
import Testing
@testable import HostPlugins
@testable import HostBase

/// What the host dlopens is its own copy (the reload and crash cases are
/// tested through the binary: Tests/e2e/test_plugin_reload.py).
@Suite struct PrivateCopiesTests {
    private func file(_ bytes: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("copies-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("libx.so").path
        try Data(bytes.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func eachCopyHasAPrivateDirectoryOfItsOwn() throws {
        let original = try file("version 1")
        let identity = try #require(FileIdentity(path: original))
        let first = try PrivateCopies.shared.copy(original, identity: identity, log: Log()).get()
        let second = try PrivateCopies.shared.copy(original, identity: identity, log: Log()).get()
        #expect(first != second && (first as NSString).lastPathComponent == "libx.so")
        #expect(try String(contentsOfFile: first, encoding: .utf8) == "version 1")
        for path in [first, (first as NSString).deletingLastPathComponent, ((first as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent] {
            let mode = try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
            #expect(mode & 0o077 == 0, "\(path) is \(String(mode, radix: 8))")
        }
        #expect(!PrivateCopies.changed(original: original, copy: first))
        try Data("version 2".utf8).write(to: URL(fileURLWithPath: original))  // rewritten in place, as cp does
        #expect(PrivateCopies.changed(original: original, copy: first))
        #expect(try String(contentsOfFile: first, encoding: .utf8) == "version 1")
    }

    /// The file checked is the file copied: one renamed into place in between is refused.
    @Test func aFileSwappedAfterItsCheckIsRefused() throws {
        let original = try file("checked")
        let identity = try #require(FileIdentity(path: original))
        let other = try file("swapped in")
        #expect(rename(other, original) == 0)
        guard case .failure(let problem) = PrivateCopies.shared.copy(original, identity: identity, log: Log()) else {
            Issue.record("a swapped file was copied")
            return
        }
        #expect(problem.message.contains("was replaced while it was being loaded"))
    }
}
