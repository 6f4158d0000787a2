import PluginKit

/// Logs, events, waiting and progress.
enum MonitoringTools {
    static var all: [ToolDefinition] { [getTrainingLogs, getJobEvents, waitForCompletion, getTrainingProgress, getJobTaskStatus] }
}
