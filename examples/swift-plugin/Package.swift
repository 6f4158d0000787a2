// swift-tools-version:6.1
// An out-of-tree kubeflow-mcp plugin in Swift: it depends on the repository's
// PluginKit library product (here by path; elsewhere by URL and version).
//
//   swift build --package-path examples/swift-plugin
//   kubeflow-mcp serve --plugins-dir "$PWD/examples/swift-plugin/.build/debug"   # libkfmcp-swift-example.so (absolute)
import PackageDescription

let package = Package(
    name: "kfmcp-swift-example",
    platforms: [.macOS(.v13)],
    products: [
        // The shared library the host dlopens.
        .library(name: "kfmcp-swift-example", type: .dynamic, targets: ["SwiftExample"]),
    ],
    dependencies: [
        .package(name: "kubeflow-mcp", path: "../.."),
    ],
    targets: [
        .target(name: "SwiftExample", dependencies: [.product(name: "PluginKit", package: "kubeflow-mcp")],
                // Export only the ABI entry point (see exports.map).
                linkerSettings: [.unsafeFlags(["-Xlinker", "--version-script=" + Context.packageDirectory + "/exports.map"])]),
        // PluginKitTesting's FakeHost calls the tool through the manifest, with no cluster and no server.
        .testTarget(name: "SwiftExampleTests", dependencies: ["SwiftExample", .product(name: "PluginKitTesting", package: "kubeflow-mcp")]),
    ]
)
