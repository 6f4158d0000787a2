// swift-tools-version:6.1
// kubeflow-mcp: a minimal MCP host that loads Kubeflow tool bundles as dlopen plugins.
//
// Dependencies are chosen, not collected:
//   - modelcontextprotocol/swift-sdk: the MCP protocol (we bring our own stdio transport).
//   - swift-argument-parser: the CLI.
//   - FlyingFox: the cluster simulator's HTTP server. Pure Swift, no dependencies
//     (no SwiftNIO), builds in seconds on 2 cores, and supports streamed bodies,
//     which `watch=true` and `logs?follow=true` need.
//   - libyaml (system library, libyaml-dev): every YAML read — kubeconfig, plugins.d/*.yaml,
//     policy and token files, the simulator's seeds and manifests (KFYAML).
//   - libcurl (system library, libcurl4-openssl-dev): the Kubernetes HTTP client.
//   - libseccomp (system library, libseccomp-dev): the plugin-host child's system call filter.
import PackageDescription

/// First-party plugins: each is a shared library the host dlopens at run time.
/// `Sources/Plugins/<Folder>` holds the plugin's logic (target `<Folder>Plugin`,
/// testable in-process) and `Sources/Plugins/<Folder>/Entry` the one exported C
/// entry point (target `<Folder>Entry`). They are apart because every plugin
/// exports the same symbol, and on Linux all test targets link into one binary.
/// The product becomes `libkfmcp-<name>.so`.
struct FirstPartyPlugin {
    let folder: String
    /// Shared code beyond PluginKit (linked into this plugin's own library).
    var uses: [Target.Dependency] = []
    var product: String { "kfmcp-" + folder.lowercased() }
    var target: String { folder + "Plugin" }
    var entry: String { folder + "Entry" }
}
let plugins: [FirstPartyPlugin] = [
    FirstPartyPlugin(folder: "Sample"),
    FirstPartyPlugin(folder: "Trainer", uses: ["TrainerRules"]),
    FirstPartyPlugin(folder: "TorchTune", uses: ["BackendKit", "MemoryKit", "TrainerRules"]),
    FirstPartyPlugin(folder: "Planning", uses: ["TrainerRules", "MemoryKit"]),
    FirstPartyPlugin(folder: "TRL", uses: ["BackendKit", "MemoryKit"]),
    FirstPartyPlugin(folder: "Unsloth", uses: ["BackendKit", "MemoryKit"]),
    FirstPartyPlugin(folder: "Optimizer", uses: ["KatibRules"]),
    // The Model Registry, reached through the host's Kubernetes requests (the service proxy).
    FirstPartyPlugin(folder: "Registry"),
]
let pluginProducts: [Product] = plugins.map { .library(name: $0.product, type: .dynamic, targets: [$0.entry]) }
let pluginTargets: [Target] = plugins.flatMap { plugin -> [Target] in [
    .target(name: plugin.target, dependencies: ["PluginKit"] + plugin.uses, path: "Sources/Plugins/" + plugin.folder,
            exclude: ["Entry"]),
    .target(name: plugin.entry, dependencies: [.target(name: plugin.target), "PluginKit"],
            path: "Sources/Plugins/" + plugin.folder + "/Entry",
            linkerSettings: [.unsafeFlags(["-Xlinker", "--version-script=" + Context.packageDirectory + "/Sources/Plugins/exports.map"])]),
] }

let package = Package(
    name: "kubeflow-mcp",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "kubeflow-mcp", targets: ["kubeflow-mcp"]),
        // The cluster simulator on its own, so `serve` does not map it (`kubeflow-mcp sim` and `--sim` run it).
        .executable(name: "kubeflow-mcp-sim", targets: ["kubeflow-mcp-sim"]),
        // For out-of-tree Swift plugins: `.product(name: "PluginKit", package: "kubeflow-mcp")`
        // (examples/swift-plugin). PluginABI and KFJSON come with it.
        .library(name: "PluginKit", targets: ["PluginKit"]),
        // Unit tests of a Swift plugin's handlers with a fake host (no cluster, no server).
        .library(name: "PluginKitTesting", targets: ["PluginKitTesting"]),
    ] + pluginProducts,
    dependencies: [
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.0"),
    ],
    targets: [
        // The whole host/plugin contract: one C header.
        .target(name: "PluginABI", path: "Sources/PluginABI"),
        // The header compiled with -Wall -Wpadded -Werror and its layout pinned. Apart from
        // PluginABI because a package depended on by URL may not carry unsafe flags.
        .target(name: "PluginABICheck", dependencies: ["PluginABI"], path: "Sources/PluginABICheck", publicHeadersPath: ".",
                cSettings: [.unsafeFlags(["-Wall", "-Wpadded", "-Werror"])]),
        // JSON value type shared by the host and Swift plugins (ordered numbers: 4 vs 4.0).
        .target(name: "KFJSON", path: "Sources/KFJSON"),
        // YAML text to nodes and JSON values, parsed by Debian's libyaml; bounded for hostile input.
        .systemLibrary(name: "CYAML", path: "Sources/CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .target(name: "KFYAML", dependencies: ["CYAML", "KFJSON"], path: "Sources/KFYAML"),
        // What a Swift plugin imports: tools as data plus a handler, no C plumbing.
        .target(name: "PluginKit", dependencies: ["PluginABI", "KFJSON"], path: "Sources/PluginKit"),
        // Kubeflow Trainer v2.3.0's admission webhooks and torchtune rules: one place read by the
        // simulator (its admission webhook) and by the plugins (the planner's pre-flight).
        .target(name: "TrainerRules", dependencies: ["KFJSON"], path: "Sources/TrainerRules"),
        // Katib v0.19's experiment webhook rules: the simulator's webhook and the optimizer's pre-flight.
        .target(name: "KatibRules", dependencies: ["KFJSON"], path: "Sources/KatibRules"),
        // What fine-tuning backend plugins share: runtime choice, sources, memory estimate, quoting.
        .target(name: "BackendKit", dependencies: ["PluginKit"], path: "Sources/Plugins/BackendKit"),
        // The one GPU memory estimator (model registry, memory model, the arguments it reads), linked
        // into the planner (estimate_resources) and every backend (its `estimate` operation), so both
        // give the same figure for the same job. libcurl: models outside the registry are read from
        // their Hugging Face Hub config.json (outside the cluster, so not through the host's Kubernetes
        // client); the host has loaded it already.
        .target(name: "MemoryKit", dependencies: ["PluginKit", "CCurl"], path: "Sources/Plugins/MemoryKit"),

        // Host side.
        .systemLibrary(name: "CCurl", path: "Sources/Host/CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        // The plugin-host child's sandbox: libseccomp (libseccomp-dev) and the Landlock system calls.
        .systemLibrary(name: "CSandbox", path: "Sources/Host/CSandbox", pkgConfig: "libseccomp",
                       providers: [.apt(["libseccomp-dev"])]),
        .target(name: "KubeClient", dependencies: ["CCurl", "KFJSON", "KFYAML"],
                path: "Sources/Host/KubeClient"),
        // The host in one-way floors: each target imports only the floors below it, so the
        // compiler refuses an upward import.
        //   floor 0  HostBase      policy, logging, redaction, tool specs, schema validation, signing (libcrypto)
        //   floor 1  HostPlugins   search path, manifests, registry, runners (in-process, child)
        //   floor 1  HostKubeGate  the Kubernetes gate: structured requests, guard, cluster access
        //   floor 2  HostCalls     the call pipeline: admission, confirmation, threads, deadlines,
        //                          results, audit; the kfmcp_host_v1 services plugins call
        //   floor 3  HostProtocol  MCP server, message screen, dispatcher, stdio, Streamable HTTP
        //   floor 4  HostCore      the composition root (re-exports the floors for the CLI)
        .target(name: "HostBase",
                dependencies: ["PluginABI", "KFJSON", "KubeClient", "KFYAML", "COpenSSL"],
                path: "Sources/Host/HostBase"),
        .target(name: "HostPlugins",
                dependencies: ["HostBase", "PluginABI", "PluginABICheck", "KFJSON", "KubeClient",
                               "CSandbox", "KFYAML"],
                path: "Sources/Host/HostPlugins"),
        .target(name: "HostKubeGate", dependencies: ["HostBase", "KFJSON", "KubeClient"],
                path: "Sources/Host/HostKubeGate"),
        .target(name: "HostCalls",
                dependencies: ["HostBase", "HostPlugins", "HostKubeGate", "PluginABI", "KFJSON", "KubeClient"],
                path: "Sources/Host/HostCalls"),
        .target(name: "HostProtocol",
                dependencies: ["HostBase", "HostPlugins", "HostKubeGate", "HostCalls", "KFJSON", "KubeClient",
                               .product(name: "MCP", package: "swift-sdk"), "KFYAML"],
                path: "Sources/Host/HostProtocol"),
        .target(name: "HostCore",
                dependencies: ["HostBase", "HostPlugins", "HostKubeGate", "HostCalls", "HostProtocol", "KFJSON"],
                path: "Sources/Host/HostCore"),
        // MCP Streamable HTTP on FlyingFox (`serve --http`): apart from HostCore, so
        // stdio serving does not link an HTTP server.
        .target(name: "HTTPTransport",
                dependencies: ["HostCore", "HostBase", "HostCalls", "HostKubeGate", "HostProtocol", "HTTPServing",
                               .product(name: "MCP", package: "swift-sdk"),
                               .product(name: "FlyingFox", package: "FlyingFox")],
                path: "Sources/Host/HTTPTransport"),
        .executableTarget(name: "kubeflow-mcp",
                          // The floors by name as well as through HostCore's re-export, so a change
                          // in one rebuilds the CLI (an incremental build otherwise may not).
                          dependencies: ["HostCore", "HostBase", "HostPlugins", "HostKubeGate", "HostCalls", "HostProtocol",
                                         "HTTPTransport", "HTTPServing", "KubeClient",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          path: "Sources/Host/CLI"),

        // What the simulator and `serve --http` share on top of FlyingFox:
        // streamed bodies, TCP_NODELAY, and the TLS front door (OpenSSL, libssl-dev:
        // FlyingFox serves plain HTTP only).
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"])]),
        .target(name: "HTTPServing",
                dependencies: ["COpenSSL", .product(name: "FlyingFox", package: "FlyingFox"),
                               .product(name: "FlyingSocks", package: "FlyingFox")],
                path: "Sources/HTTPServing"),

        // The Kubernetes API simulator: embedded default cluster and test cluster.
        .target(name: "ClusterSim",
                dependencies: ["KFJSON", "TrainerRules", "KatibRules", "HTTPServing", .product(name: "FlyingFox", package: "FlyingFox"),
                               .product(name: "FlyingSocks", package: "FlyingFox"), "KFYAML"],
                path: "Sources/ClusterSim",
                exclude: ["CLI"],
                resources: [.copy("Resources")]),
        // Its executable: a process of its own (0.5–1 MiB less RSS in `serve` than linking it, and
        // no second FlyingFox, which a dlopen'd simulator next to `serve --http` would bring).
        .executableTarget(name: "kubeflow-mcp-sim",
                          dependencies: ["ClusterSim", "HTTPServing",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          path: "Sources/ClusterSim/CLI"),

        // Helpers shared by the plugin test targets (goldens, JSON diff, script syntax checks).
        .target(name: "TestSupport", dependencies: ["KFJSON"], path: "Tests/TestSupport"),
        // One unit-test target per host floor.
        .testTarget(name: "HostBaseTests", dependencies: ["HostBase", "KFJSON", "PluginKit"],
                    path: "Tests/HostBaseTests"),
        .testTarget(name: "HostPluginsTests", dependencies: ["HostPlugins", "HostBase", "KFJSON"], path: "Tests/HostPluginsTests"),
        .testTarget(name: "HostKubeGateTests", dependencies: ["HostKubeGate", "HostBase", "KFJSON", "KubeClient"],
                    path: "Tests/HostKubeGateTests"),
        .testTarget(name: "HostCallsTests", dependencies: ["HostCalls", "HostBase", "KFJSON"], path: "Tests/HostCallsTests"),
        .testTarget(name: "HostProtocolTests", dependencies: ["HostProtocol", "HostCalls", "HostPlugins", "HostKubeGate", "HostBase", "KFJSON",
                                                             .product(name: "MCP", package: "swift-sdk")],
                    path: "Tests/HostProtocolTests"),
        .testTarget(name: "KubeClientTests", dependencies: ["KubeClient", "KFJSON", "KFYAML"],
                    path: "Tests/KubeClientTests"),
        .testTarget(name: "ClusterSimTests", dependencies: ["ClusterSim", "KFJSON", "KatibRules"],
                    path: "Tests/ClusterSimTests"),
        // Trainer v2.3.0's webhook rules, with upstream's own *_test.go cases.
        .testTarget(name: "TrainerRulesTests", dependencies: ["TrainerRules", "KFJSON"],
                    path: "Tests/TrainerRulesTests"),
        // Plugin logic tested in-process (one plugin target per test target: each
        // plugin exports the same entry symbol).
        .testTarget(name: "TrainerTests", dependencies: ["TestSupport", "TrainerPlugin", "PluginKit"],
                    path: "Tests/TrainerTests"),
        .testTarget(name: "TorchTuneTests", dependencies: ["TestSupport", "TorchTunePlugin", "MemoryKit", "PluginKit", "TrainerRules"],
                    path: "Tests/TorchTuneTests"),
        .testTarget(name: "PlanningTests", dependencies: ["PlanningPlugin", "MemoryKit", "PluginKit", "TrainerRules"],
                    path: "Tests/PlanningTests"),
        .testTarget(name: "TRLTests", dependencies: ["TestSupport", "TRLPlugin", "BackendKit", "MemoryKit", "PluginKit"], path: "Tests/TRLTests"),
        .testTarget(name: "OptimizerTests", dependencies: ["TestSupport", "OptimizerPlugin", "PluginKit"], path: "Tests/OptimizerTests"),
        .testTarget(name: "RegistryTests", dependencies: ["RegistryPlugin", "PluginKit", "PluginKitTesting"], path: "Tests/RegistryTests"),
        .testTarget(name: "UnslothTests", dependencies: ["TestSupport", "UnslothPlugin", "BackendKit", "MemoryKit", "PluginKit"], path: "Tests/UnslothTests"),
        // A fake host for plugin handler tests: scripted Kubernetes answers, call context, providers, nested tools.
        .target(name: "PluginKitTesting", dependencies: ["PluginKit", "PluginABI"], path: "Sources/PluginKitTesting"),
        .testTarget(name: "PluginKitTestingTests", dependencies: ["PluginKitTesting", "PluginKit"], path: "Tests/PluginKitTestingTests"),
    ] + pluginTargets
)
