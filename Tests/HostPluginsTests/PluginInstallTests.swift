import Foundation
@testable import HostPlugins
import Testing

/// The pieces `plugin install` trusts most: the digest (FIPS 180-4 vectors)
/// and the tar reader's refusals (hostile entries, made by hand so no tool
/// sanitizes them first). The whole path is in Tests/e2e/test_plugin_install.py.
@Suite struct PluginInstallTests {
    @Test func sha256MatchesTheStandardVectors() {
        #expect(SHA256.hex(of: Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(of: Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(of: Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        var streamed = SHA256()
        for _ in 0..<1000 { streamed.update(Data(repeating: 0x61, count: 1000)) }  // a million 'a'
        #expect(streamed.hexDigest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// minisign prints key ids with "%" PRIX64; an id with a leading zero nibble must match its spelling.
    @Test func keyIDsAreSpelledAsMinisignPrintsThem() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kfmcp-key-\(getpid()).pub").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let raw = Data("Ed".utf8) + Data([0x9E, 0x64, 0x94, 0xE2, 0x61, 0x87, 0xAF, 0x07]) + Data(count: 32)
        try "untrusted comment: minisign public key 7AF8761E294649E\n\(raw.base64EncodedString())\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        #expect(TrustedKeys.keyID(publicKeyFile: file) == "7AF8761E294649E")
    }

    /// One ustar header block plus its data, padded.
    private func entry(_ name: String, type: Character = "0", data: [UInt8] = [], declaredSize: Int? = nil) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 512)
        for (i, b) in name.utf8.prefix(100).enumerated() { h[i] = b }
        let size = String(declaredSize ?? data.count, radix: 8)
        for (i, b) in (String(repeating: "0", count: 11 - size.count) + size).utf8.enumerated() { h[124 + i] = b }
        h[156] = type.asciiValue!
        for (i, b) in "ustar".utf8.enumerated() { h[257 + i] = b }
        return h + data + [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
    }

    private func refusal(_ blocks: [UInt8]...) -> String {
        let tar = Data(blocks.joined() + [UInt8](repeating: 0, count: 1024))
        do {
            _ = try PluginArchive.parse(tar: tar, maxBytes: 1 << 20, archive: "a.tar")
            return "accepted"
        } catch { return "\(error)" }
    }

    @Test func aFlatPluginDirectoryReads() throws {
        let tar = Data((entry("p/", type: "5") + entry("p/libp.so", data: [1, 2, 3])) + [UInt8](repeating: 0, count: 1024))
        let archive = try PluginArchive.parse(tar: tar, maxBytes: 1 << 20, archive: "a.tar")
        #expect(archive.name == "p" && archive.files == ["libp.so": Data([1, 2, 3])])
    }

    @Test func hostileEntriesAreRefusedNamingThem() {
        #expect(refusal(entry("p/../../x.so")).contains("'p/../../x.so' climbs out with '..'"))
        #expect(refusal(entry("/etc/x.so")).contains("absolute path"))
        #expect(refusal(entry("p/l", type: "2")).contains("is a link"))
        #expect(refusal(entry("p/dev", type: "3")).contains("not a regular file"))
        #expect(refusal(entry("p/a/b.so")).contains("one flat plugin directory"))
        #expect(refusal(entry("p/x"), entry("q/y")).contains("one top directory"))
        #expect(refusal(entry("p/x"), entry("p/x")).contains("appears twice"))
        // A header claiming more than the cap, or more than the archive holds, is refused before any copy.
        #expect(refusal(entry("p/big.so", declaredSize: 2 << 20)).contains("declares 2097152 bytes"))
        #expect(refusal(entry("p/short.so", declaredSize: 4096)).contains("beyond the archive"))
    }
}
