import Foundation
import KatibRules
import KFJSON

/// Katib v0.19's pod mutating webhook (`mutator.pod.katib.kubeflow.org`,
/// pkg/webhook/v1beta1/pod/inject_webhook.go, utils.go) for the pods of a Trial's TrainJob,
/// in namespaces labelled for injection: the pod gets the Trial's labels, the primary
/// container gets KATIB_TRIAL_NAME, and a primary pod (trialTemplate.primaryPodLabels)
/// gets the collector sidecar; for StdOut and File the sidecar is
/// `metrics-logger-and-collector`, and the primary container's command is wrapped so its
/// output goes to /var/log/katib/metrics.log, which the sidecar prints and parses.
/// The webhook's failurePolicy is Ignore: a pod it cannot mutate is created as it is.
struct MetricsCollectorInjector {
    static let name = "mutator.pod.katib.kubeflow.org"
    static let loggerContainer = "metrics-logger-and-collector"
    static let collectorContainer = "metrics-collector"
    static let metricsFile = "/var/log/katib/metrics.log"
    static let volumeName = "metrics-volume"
    static let trialLabel = "katib.kubeflow.org/trial"
    static let dbManagerAddress = "katib-db-manager.kubeflow:6789"

    let store: ObjectStore
    var config = KatibConfig.v0_19

    /// The trial whose pod this is: a TrainJob owned by a Trial, named after it.
    func trial(of pod: JSON) -> JSON? {
        let ns = pod.namespace
        let labels = store.get(ResourceCatalog.namespaces, namespace: nil, name: ns)?.object.labels ?? [:]
        guard labels[ExperimentWebhooks.injectionLabel] == "enabled",
              let jobName = pod.labels["jobset.sigs.k8s.io/jobset-name"],
              let job = store.get(ResourceCatalog.trainJobs, namespace: ns, name: jobName)?.object,
              (job["metadata"]?["ownerReferences"]?.array ?? []).contains(where: {
                  $0["kind"] == "Trial" && $0["apiVersion"] == "kubeflow.org/v1beta1"
              })
        else { return nil }
        return store.get(KatibResources.trials, namespace: ns, name: job.name)?.object
    }

    /// The pod as the webhook returns it (unchanged when it is no trial's, or cannot be mutated).
    func mutate(_ pod: JSON) -> JSON {
        guard let trial = trial(of: pod) else { return pod }
        return (try? mutate(pod, trial: trial)) ?? pod
    }

    struct Failure: Error { let message: String }

    func mutate(_ pod: JSON, trial: JSON) throws(Failure) -> JSON {
        var p = pod
        let spec = trial["spec"] ?? [:]
        var labels = pod["metadata"]?["labels"]?.object ?? [:]
        for (k, v) in trial["metadata"]?["labels"]?.object ?? [:] { labels[k] = v }
        labels[Self.trialLabel] = .string(trial.name)
        p.set(.object(labels), at: ["metadata", "labels"])

        let primaryName = spec["primaryContainerName"]?.string ?? ""
        var containers = p["spec"]?["containers"]?.array ?? []
        guard let primary = containers.firstIndex(where: { $0["name"]?.string == primaryName }) else {
            throw Failure(message: "Unable to find primary container \(primaryName) in mutated pod containers")
        }
        var env = containers[primary]["env"]?.array ?? []
        env.append(["name": "KATIB_TRIAL_NAME",
                    "valueFrom": ["fieldRef": ["fieldPath": .string("metadata.labels['\(Self.trialLabel)']")]]])
        containers[primary]["env"] = .array(env)
        p.set(.array(containers), at: ["spec", "containers"])

        let primaryLabels = spec["primaryPodLabels"]?.object ?? [:]
        if !primaryLabels.isEmpty && !primaryLabels.allSatisfy({ pod.labels[$0.key] == $0.value.string }) { return p }
        let collector = spec["metricsCollector"] ?? ["collector": ["kind": "StdOut"]]
        let kind = collector["collector"]?["kind"]?.string ?? "StdOut"
        guard kind == "StdOut" else { return p }  // File/TFEvent/Prometheus/Custom/Push: not simulated
        guard case .success(let image) = config.metricsCollector(kind) else { throw Failure(message: "no collector") }

        let objective = spec["objective"] ?? [:]
        let metrics = Self.metricNames(objective)
        let sidecar: JSON = [
            "name": .string(Self.loggerContainer), "image": .string(image), "imagePullPolicy": "IfNotPresent",
            "args": .array(["-t", .string(trial.name), "-m", .string(metrics.joined(separator: ";")),
                            "-o-type", objective["type"] ?? "", "-s-db", .string(Self.dbManagerAddress),
                            "-path", .string(Self.metricsFile), "-format", "TEXT"]),
            "resources": ["requests": ["cpu": "50m", "memory": "10Mi", "ephemeral-storage": "500Mi"],
                          "limits": ["cpu": "500m", "memory": "100Mi", "ephemeral-storage": "5Gi"]],
            "volumeMounts": [["name": .string(Self.volumeName), "mountPath": "/var/log/katib"]],
        ]
        var primaryContainer = containers[primary]
        primaryContainer["volumeMounts"] = .array((primaryContainer["volumeMounts"]?.array ?? [])
            + [["name": .string(Self.volumeName), "mountPath": "/var/log/katib"]])
        let (command, args) = try Self.wrapped(primaryContainer)
        primaryContainer["command"] = .array(command.map { .string($0) })
        primaryContainer["args"] = [.string(args)]
        containers[primary] = primaryContainer
        containers.append(sidecar)
        p.set(.array(containers), at: ["spec", "containers"])
        p.set(.array((p["spec"]?["volumes"]?.array ?? []) + [["name": .string(Self.volumeName), "emptyDir": [:]]]),
              at: ["spec", "volumes"])
        p.set(true, at: ["spec", "shareProcessNamespace"])
        return p
    }

    /// The objective metric first, then the additional ones (the collector's `-m`).
    static func metricNames(_ objective: JSON) -> [String] {
        [objective["objectiveMetricName"]?.string ?? ""] + (objective["additionalMetricNames"]?.array ?? []).compactMap(\.string)
    }

    /// `sh -c "<command and args> 1>/var/log/katib/metrics.log 2>&1 && echo completed > /var/log/katib/$$$$.pid"`,
    /// keeping a `bash -c`/`sh -c` the container already has. Without a command, upstream
    /// reads the image's entrypoint (and, without args, its cmd) from the registry; the
    /// simulator has no registry and takes the entrypoint as empty, as in the PyTorch
    /// images, so a container with neither command nor args cannot be wrapped.
    static func wrapped(_ container: JSON, metricsFile: String = metricsFile) throws(Failure) -> (command: [String], args: String) {
        var words = (container["command"]?.array ?? []).compactMap(\.string)
        words += (container["args"]?.array ?? []).compactMap(\.string)
        guard !words.isEmpty else { throw Failure(message: "the primary container has no command and no args") }
        var command = ["sh", "-c"]
        if (words[0] == "sh" || words[0] == "bash") && words.count > 1 && words[1] == "-c" {
            command = Array(words[0..<2])
            words = Array(words[2...])
        }
        let directory = (metricsFile as NSString).deletingLastPathComponent
        words.append("1>\(metricsFile) 2>&1")
        words += ["&&", "echo completed > " + (directory.isEmpty ? "$$$$.pid" : directory + "/$$$$.pid")]
        return (command, words.joined(separator: " "))
    }

    /// What the sidecar prints: `klog.Info` lines, `I1206 00:45:12.123456       1 main.go:396] …`.
    static func klogPrefix(_ time: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.month, .day, .hour, .minute, .second, .nanosecond], from: time)
        return String(format: "I%02d%02d %02d:%02d:%02d.%06d       1 main.go:139] ", c.month ?? 0, c.day ?? 0,
                      c.hour ?? 0, c.minute ?? 0, c.second ?? 0, (c.nanosecond ?? 0) / 1000)
    }

    /// The training line inside a sidecar's log line (the metrics file's line).
    static func fileLine(_ logged: String) -> String {
        guard logged.hasPrefix("I"), let end = logged.range(of: "] ") else { return logged }
        return String(logged[end.upperBound...])
    }
}
