import ArgumentParser
import Foundation
import HostCore

/// `kubeflow-mcp plugin sdk`: where a plugin author's compiler finds the ABI
/// header, in pkg-config's manner (`--cflags`, `--libs`, `--modversion`).
struct PluginSDKCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sdk",
        abstract: "The plugin ABI's include directory and compiler flags (pkg-config style), for building a plugin.")

    @Flag(help: "Print only the include directory.") var includeDir = false
    @Flag(help: "Print only the compiler flags (-I DIR).") var cflags = false
    @Flag(help: "Print only the linker flags (none: a plugin links nothing of the host).") var libs = false
    @Flag(help: "Print only the ABI version this host speaks.") var modversion = false

    func run() throws {
        guard let sdk = PluginSDK.locate() else {
            throw ValidationError("No plugin ABI header found beside this binary (\(PluginSDK.installedRelative) from its directory) "
                                  + "nor in a kubeflow-mcp checkout above it; install with `make install` or build from a checkout.")
        }
        if includeDir { print(sdk.includeDir) }
        if cflags { print(sdk.cflags) }
        if libs { print("") }
        if modversion { print(PluginABIVersion.description) }
        guard !(includeDir || cflags || libs || modversion) else { return }
        print("include_dir: \(sdk.includeDir)")
        print("header:      \(sdk.includeDir)/kfmcp_plugin.h")
        print("abi:         \(PluginABIVersion.description)")
        print("cflags:      \(sdk.cflags)")
        print("libs:        (none: the host provides every service through the kfmcp_host_v1 table)")
        print("from:        \(sdk.source)")
        if let package = sdk.swiftPackage { print("swift_package: \(package)   (KUBEFLOW_MCP_PACKAGE for a Swift plugin's PluginKit)") }
        print("contracts:   fine-tuning backends: kfmcp.provider/finetune-backend/1 (docs/finetune-backend.md)")
    }
}

/// The header a plugin compiles against: installed beside the binary
/// (`<prefix>/bin/kubeflow-mcp` → `<prefix>/include/kubeflow-mcp/`, by `make
/// install` and the container image), else the checkout the binary runs from.
struct PluginSDK {
    static let installedRelative = "../include/kubeflow-mcp"
    static let header = "kfmcp_plugin.h"

    var includeDir: String
    var source: String
    /// The checkout, when the binary runs from one: the package a Swift plugin takes PluginKit from.
    var swiftPackage: String?
    var cflags: String { "-I\(includeDir)" }

    static func locate(executable: String = HostOptions.currentExecutablePath()) -> PluginSDK? {
        let exeDir = (executable as NSString).deletingLastPathComponent
        let installed = URL(fileURLWithPath: exeDir).appendingPathComponent(installedRelative).standardizedFileURL.path
        if FileManager.default.fileExists(atPath: installed + "/" + header) {
            return PluginSDK(includeDir: installed, source: "installed")
        }
        if let root = PluginSearchPath.checkoutRoot(startingAt: exeDir) {
            let dir = root + "/Sources/PluginABI/include"
            if FileManager.default.fileExists(atPath: dir + "/" + header) { return PluginSDK(includeDir: dir, source: "checkout", swiftPackage: root) }
        }
        return nil
    }
}
