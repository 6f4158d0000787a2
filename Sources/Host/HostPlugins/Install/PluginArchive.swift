import Foundation

/// A plugin archive (`.tar.gz`) read without trusting it: decompressed with a
/// size cap, every entry checked before anything is written. The layout:
///
///     NAME/                one top directory: the install name, [a-z][a-z0-9_-]{0,63}
///     NAME/libNAME.so      exactly one shared library
///     NAME/SHA256SUMS      optional: `sha256sum` lines for every other file
///     NAME/SHA256SUMS.minisig   optional: minisign signature of SHA256SUMS
///     NAME/...             any other regular files (kfmcp-examples.json, README)
///
/// Only regular files and the top directory are accepted: no links, devices,
/// nested directories, absolute paths or `..`.
struct PluginArchive {
    /// The top directory's name and its files (name inside NAME/ → bytes).
    var name: String
    var files: [String: Data]

    /// `shownAs`: the name refusals use (the operator's file, not our private copy).
    static func read(path: String, maxBytes: Int, shownAs: String) throws -> PluginArchive {
        let tar = try gunzip(path: path, maxBytes: maxBytes, shownAs: shownAs)
        return try parse(tar: tar, maxBytes: maxBytes, archive: shownAs)
    }

    /// `gzip -dc`, stopped as soon as the output passes the cap (a gzip bomb
    /// never reaches memory or disk).
    private static func gunzip(path: String, maxBytes: Int, shownAs: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-dc", "--", path]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        var data = Data()
        // The tar format adds headers and padding around the files the cap counts.
        let limit = maxBytes + (1 << 20)
        while true {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            data.append(chunk)
            if data.count > limit {
                // SIGKILL: a child may inherit SIGTERM ignored; closing the pipe alone leaves it blocked.
                kill(process.processIdentifier, SIGKILL)
                try? out.fileHandleForReading.close()
                process.waitUntilExit()
                throw InstallRefusal("\(shownAs) unpacks to more than \(maxBytes / (1 << 20)) MiB; refused "
                              + "(raise the cap with --max-size-mb if the plugin really is that large)")
            }
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let why = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            throw InstallRefusal("\(shownAs) is not a gzip-compressed archive (\(why))")
        }
        return data
    }

    static func parse(tar: Data, maxBytes: Int, archive: String) throws -> PluginArchive {
        let bytes = [UInt8](tar)
        var offset = 0
        var top: String?
        var files: [String: Data] = [:]
        var total = 0
        var longName: String?
        while offset + 512 <= bytes.count {
            let header = bytes[offset..<offset + 512]
            if header.allSatisfy({ $0 == 0 }) { break }
            guard let size = octal(header, 124, 12) else {
                throw InstallRefusal("\(archive): entry at byte \(offset) has no readable size; the archive is damaged")
            }
            let type = header[header.startIndex + 156]
            let dataStart = offset + 512
            let dataEnd = dataStart + size
            guard size <= maxBytes, dataEnd <= bytes.count else {
                throw InstallRefusal("\(archive): an entry declares \(size) bytes, beyond the archive or the "
                              + "\(maxBytes / (1 << 20)) MiB cap; refused")
            }
            offset = dataStart + (size + 511) / 512 * 512
            let payload = Data(bytes[dataStart..<dataEnd])
            switch type {
            case UInt8(ascii: "L"):  // GNU long name for the next entry
                longName = String(decoding: payload.prefix { $0 != 0 }, as: UTF8.self)
                continue
            case UInt8(ascii: "x"):  // pax extended header: only its path matters
                longName = paxPath(payload) ?? longName
                continue
            case UInt8(ascii: "g"):
                continue
            default: break
            }
            let name = longName ?? headerName(header)
            longName = nil
            let (dir, file) = try split(name, archive: archive)
            if let t = top, t != dir {
                throw InstallRefusal("\(archive): entries must all sit under one top directory; found '\(t)/' and '\(dir)/'")
            }
            top = dir
            switch type {
            case UInt8(ascii: "5"):
                guard file == nil else {
                    throw InstallRefusal("\(archive): '\(name)' is a nested directory; a plugin archive holds one flat directory")
                }
            case UInt8(ascii: "0"), 0:
                guard let file else { throw InstallRefusal("\(archive): '\(name)' is a file where the top directory belongs") }
                guard files[file] == nil else { throw InstallRefusal("\(archive): '\(name)' appears twice") }
                total += size
                guard total <= maxBytes else {
                    throw InstallRefusal("\(archive): files add up to more than \(maxBytes / (1 << 20)) MiB; refused")
                }
                files[file] = payload
            case UInt8(ascii: "1"), UInt8(ascii: "2"):
                throw InstallRefusal("\(archive): '\(name)' is a link; plugin archives hold regular files only")
            default:
                throw InstallRefusal("\(archive): '\(name)' is not a regular file (tar type '\(Character(UnicodeScalar(type))))'); refused")
            }
        }
        guard let top else { throw InstallRefusal("\(archive) is empty") }
        return PluginArchive(name: top, files: files)
    }

    /// "NAME/" or "NAME/file" → (NAME, file?). Anything else is hostile or malformed.
    private static func split(_ raw: String, archive: String) throws -> (String, String?) {
        guard !raw.hasPrefix("/") else { throw InstallRefusal("\(archive): '\(raw)' is an absolute path; refused") }
        var parts = raw.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts.first == "." { parts.removeFirst() }
        if parts.last == "" { parts.removeLast() }
        if parts.contains("..") { throw InstallRefusal("\(archive): '\(raw)' climbs out with '..'; refused") }
        guard (1...2).contains(parts.count), !parts.contains(where: { $0.isEmpty || $0 == "." }) else {
            throw InstallRefusal("\(archive): '\(raw)' is not NAME/ or NAME/FILE (one flat plugin directory)")
        }
        return (parts[0], parts.count == 2 ? parts[1] : nil)
    }

    private static func headerName(_ h: ArraySlice<UInt8>) -> String {
        func field(_ start: Int, _ length: Int) -> String {
            let s = h.startIndex + start
            return String(decoding: h[s..<s + length].prefix { $0 != 0 }, as: UTF8.self)
        }
        let name = field(0, 100), prefix = field(345, 155)
        let magic = field(257, 5)
        return magic == "ustar" && !prefix.isEmpty ? prefix + "/" + name : name
    }

    private static func octal(_ h: ArraySlice<UInt8>, _ start: Int, _ length: Int) -> Int? {
        let s = h.startIndex + start
        let field = h[s..<s + length]
        // GNU base-256 sizes (first byte 0x80) are only used above 8 GiB.
        if let first = field.first, first & 0x80 != 0 { return Int.max / 2 }
        let text = String(decoding: field.prefix { $0 != 0 && $0 != 0x20 }, as: UTF8.self)
            .trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? 0 : Int(text, radix: 8)
    }

    /// pax records are "LEN key=value\n".
    private static func paxPath(_ data: Data) -> String? {
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let space = line.firstIndex(of: " ") else { continue }
            let record = line[line.index(after: space)...]
            if record.hasPrefix("path=") { return String(record.dropFirst(5)) }
        }
        return nil
    }
}
