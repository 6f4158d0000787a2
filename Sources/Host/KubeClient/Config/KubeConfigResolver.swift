import Foundation

extension ResolvedKubeConfig {
    /// Finds the configuration the way kubectl does: `--kubeconfig`, else the
    /// files in `KUBECONFIG`, else `~/.kube/config`, else the in-cluster service
    /// account. Throws `KubeConfigError` with a message saying what to fix.
    public static func resolve(_ options: KubeConfigOptions) throws -> ResolvedKubeConfig {
        let env = options.environment
        if let path = nonEmpty(options.kubeconfigPath) {
            guard FileManager.default.fileExists(atPath: path) else {
                throw KubeConfigError("The kubeconfig file \(path) given with --kubeconfig does not exist.")
            }
            return try fromKubeconfig(MergedKubeConfig([KubeConfigFile.load(path: path)]), options)
        }
        if let list = nonEmpty(env["KUBECONFIG"]) {
            let paths = list.split(separator: ":").map(String.init).filter { !$0.isEmpty }
            // kubectl skips listed files that do not exist.
            let existing = paths.filter { FileManager.default.fileExists(atPath: $0) }
            if !existing.isEmpty {
                return try fromKubeconfig(MergedKubeConfig(existing.map(KubeConfigFile.load)), options)
            }
            if let inCluster = try InClusterConfig.resolveIfAvailable(options) { return inCluster }
            throw KubeConfigError("None of the files listed in KUBECONFIG exist (\(paths.joined(separator: ", "))). "
                + "Fix KUBECONFIG or pass --kubeconfig.")
        }
        if let home = nonEmpty(env["HOME"]) {
            let path = (home as NSString).appendingPathComponent(".kube/config")
            if FileManager.default.fileExists(atPath: path) {
                return try fromKubeconfig(MergedKubeConfig([KubeConfigFile.load(path: path)]), options)
            }
        }
        if let inCluster = try InClusterConfig.resolveIfAvailable(options) { return inCluster }
        throw KubeConfigError("No Kubernetes configuration found: ~/.kube/config does not exist, KUBECONFIG is not set, "
            + "and this is not running inside a cluster. Pass --kubeconfig, set KUBECONFIG, "
            + "or create a context (for example with `kind create cluster`).")
    }

    static func fromKubeconfig(_ merged: MergedKubeConfig, _ options: KubeConfigOptions) throws -> ResolvedKubeConfig {
        let where_ = merged.filesDescription
        let available = merged.contextNames.isEmpty
            ? "it defines no contexts"
            : "available contexts: " + merged.contextNames.joined(separator: ", ")
        guard let contextName = nonEmpty(options.context) ?? merged.currentContext else {
            throw KubeConfigError("No current-context is set in \(where_) (\(available)). "
                + "Pass --context or run `kubectl config use-context NAME`.")
        }
        guard let context = merged.contexts[contextName] else {
            let origin = nonEmpty(options.context) != nil ? "given with --context" : "named by current-context"
            throw KubeConfigError("Context \"\(contextName)\" \(origin) is not defined in \(where_) (\(available)).")
        }
        guard let clusterName = context.entry.cluster else {
            throw KubeConfigError("Context \"\(contextName)\" in \(context.file) names no cluster.")
        }
        guard let cluster = merged.clusters[clusterName] else {
            throw KubeConfigError("Context \"\(contextName)\" refers to cluster \"\(clusterName)\", "
                + "which is not defined in \(where_).")
        }
        guard let server = cluster.entry.server else {
            throw KubeConfigError("Cluster \"\(clusterName)\" in \(cluster.file) has no server URL.")
        }
        var user = KubeConfigFile.Named(name: "", entry: KubeConfigFile.User(), file: context.file)
        if let userName = context.entry.user {
            guard let found = merged.users[userName] else {
                throw KubeConfigError("Context \"\(contextName)\" refers to user \"\(userName)\", "
                    + "which is not defined in \(where_).")
            }
            user = found
        }

        var tls = try clusterTLS(cluster)
        tls.clientCertificate = try clientCertificate(user)
        let credentials = try userCredentials(user, cluster: cluster, server: server, tls: tls, options: options)
        let namespace = nonEmpty(options.namespace) ?? context.entry.namespace ?? "default"
        return ResolvedKubeConfig(
            server: server, contextName: contextName, clusterName: clusterName, namespace: namespace,
            userName: user.name.isEmpty ? "(no user)" : user.name, source: "kubeconfig:" + context.file,
            tls: tls, credentials: credentials, proxyURL: cluster.entry.proxyURL)
    }

    private static func clusterTLS(_ cluster: KubeConfigFile.Named<KubeConfigFile.Cluster>) throws -> TLSSettings {
        var tls = TLSSettings()
        let entry = cluster.entry
        tls.insecureSkipVerify = entry.insecureSkipTLSVerify
        tls.serverName = entry.tlsServerName
        if let data = entry.certificateAuthorityData {
            tls.certificateAuthorityPEM = try decodeBase64(data, field: "certificate-authority-data",
                                                           owner: "cluster \"\(cluster.name)\"", file: cluster.file)
            tls.certificateAuthorityOrigin = "the certificate-authority-data of cluster \"\(cluster.name)\""
        } else if let path = entry.certificateAuthority {
            tls.certificateAuthorityPEM = try readFile(path, field: "certificate-authority",
                                                       owner: "cluster \"\(cluster.name)\"", file: cluster.file)
            tls.certificateAuthorityOrigin = "the certificate-authority \(path) of cluster \"\(cluster.name)\""
        }
        if tls.insecureSkipVerify && tls.certificateAuthorityPEM != nil {
            // kubectl refuses this combination too: it is almost always a mistake.
            throw KubeConfigError("Cluster \"\(cluster.name)\" in \(cluster.file) sets both a certificate authority "
                + "and insecure-skip-tls-verify; remove one of them.")
        }
        return tls
    }

    private static func clientCertificate(_ user: KubeConfigFile.Named<KubeConfigFile.User>) throws -> ClientCertificate? {
        let owner = "user \"\(user.name)\""
        let entry = user.entry
        var cert: [UInt8]?
        var key: [UInt8]?
        if let data = entry.clientCertificateData {
            cert = try decodeBase64(data, field: "client-certificate-data", owner: owner, file: user.file)
        } else if let path = entry.clientCertificate {
            cert = try readFile(path, field: "client-certificate", owner: owner, file: user.file)
        }
        if let data = entry.clientKeyData {
            key = try decodeBase64(data, field: "client-key-data", owner: owner, file: user.file)
        } else if let path = entry.clientKey {
            key = try readFile(path, field: "client-key", owner: owner, file: user.file)
        }
        switch (cert, key) {
        case (nil, nil): return nil
        case let (cert?, key?): return ClientCertificate(certificatePEM: cert, keyPEM: key)
        case (_?, nil):
            throw KubeConfigError("User \"\(user.name)\" in \(user.file) has a client certificate but no client key.")
        case (nil, _?):
            throw KubeConfigError("User \"\(user.name)\" in \(user.file) has a client key but no client certificate.")
        }
    }

    private static func userCredentials(_ user: KubeConfigFile.Named<KubeConfigFile.User>,
                                        cluster: KubeConfigFile.Named<KubeConfigFile.Cluster>,
                                        server: String, tls: TLSSettings,
                                        options: KubeConfigOptions) throws -> Credentials {
        let entry = user.entry
        if let exec = entry.exec {
            guard let command = exec.command else {
                throw KubeConfigError("The exec credential plugin of user \"\(user.name)\" in \(user.file) has no command.")
            }
            let apiVersion = exec.apiVersion ?? ""
            guard ExecCredentialPlugin.supportedAPIVersions.contains(apiVersion) else {
                throw KubeConfigError("The exec credential plugin of user \"\(user.name)\" in \(user.file) uses apiVersion "
                    + "\"\(apiVersion)\"; supported: "
                    + ExecCredentialPlugin.supportedAPIVersions.joined(separator: ", ") + ".")
            }
            return .exec(ExecPluginConfig(
                apiVersion: apiVersion, command: command, args: exec.args, env: exec.env,
                installHint: exec.installHint, provideClusterInfo: exec.provideClusterInfo,
                baseEnvironment: options.environment, clusterServer: server,
                clusterCertificateAuthorityPEM: tls.certificateAuthorityPEM,
                clusterInsecureSkipVerify: tls.insecureSkipVerify))
        }
        if let provider = entry.authProvider {
            throw KubeConfigError("User \"\(user.name)\" in \(user.file) uses the auth-provider \"\(provider)\", "
                + "which is no longer supported by Kubernetes clients; switch to its exec credential plugin "
                + "(for GKE: gke-gcloud-auth-plugin, for AKS: kubelogin).")
        }
        // As in client-go, a token file wins over an inline token: it can rotate.
        if let path = entry.tokenFile {
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw KubeConfigError("The tokenFile \(path) of user \"\(user.name)\" in \(user.file) cannot be read.")
            }
            return .tokenFile(path: path)
        }
        if let token = entry.token { return .token(token) }
        if let username = entry.username {
            return .basic(username: username, password: entry.password ?? "")
        }
        return .none
    }

    private static func decodeBase64(_ text: String, field: String, owner: String, file: String) throws -> [UInt8] {
        guard let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters), !data.isEmpty else {
            throw KubeConfigError("The \(field) of \(owner) in \(file) is not valid base64.")
        }
        return [UInt8](data)
    }

    private static func readFile(_ path: String, field: String, owner: String, file: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KubeConfigError("The \(field) file \(path) of \(owner) (from \(file)) cannot be read.")
        }
        return [UInt8](data)
    }
}
