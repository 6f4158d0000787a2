/*
 * A fine-tuning backend written against the frozen ABI 1.0 header
 * (Tests/CPlugins/abi-1.0/kfmcp_plugin.h) and the finetune-backend/1 contract as
 * first published (docs/finetune-backend.md, e395d78): it reads runtimes only
 * from the request's `runtimes` list ("always present from fine_tune") and
 * refuses with `field: "runtime"` when the list holds none it can run on, as a
 * third-party author did (issue 27). Never edit it to follow the host: the host
 * keeps speaking /1 to it. Build: cc -shared -fPIC -I Tests/CPlugins/abi-1.0 ... -lcjson
 */
#include "kfmcp_plugin.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define BACKEND_ID "tiny10"
#define FRAMEWORK "tiny10"
#define FALLBACK_RUNTIME "torch-distributed"
#define IMAGE "example.org/tiny10:1.0"

static char *error_answer(const char *field, const char *message) {
    cJSON *answer = cJSON_CreateObject();
    cJSON *error = cJSON_AddObjectToObject(answer, "error");
    cJSON_AddStringToObject(error, "message", message);
    cJSON_AddStringToObject(error, "field", field);
    char *out = cJSON_PrintUnformatted(answer);
    cJSON_Delete(answer);
    return out;
}

static const char *string_of(const cJSON *object, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(object, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static char *build_trainer(const cJSON *request) {
    const char *model = string_of(request, "model"), *wanted = string_of(request, "runtime");
    if (!model) return error_answer("model", "build_trainer needs model.");
    const cJSON *options = cJSON_GetObjectItemCaseSensitive(request, "backend_options");
    if (cJSON_IsObject(options) && options->child)
        return error_answer("backend_options", "The tiny10 backend takes no backend_options.");
    const cJSON *runtimes = cJSON_GetObjectItemCaseSensitive(request, "runtimes"), *r, *picked = NULL;
    int fallback = 0;
    cJSON_ArrayForEach(r, runtimes) {
        const char *name = string_of(r, "name"), *framework = string_of(r, "framework");
        if (!name) continue;
        int native = framework && strcmp(framework, FRAMEWORK) == 0, generic = strcmp(name, FALLBACK_RUNTIME) == 0;
        if (wanted && strcmp(wanted, name) != 0) continue;
        if (native) { picked = r; fallback = 0; break; }
        if (generic && !picked) { picked = r; fallback = 1; }
    }
    if (!picked) return error_answer("runtime", "No runtime this backend runs on (tiny10 or torch-distributed).");

    cJSON *answer = cJSON_CreateObject();
    cJSON *result = cJSON_AddObjectToObject(answer, "result");
    cJSON_AddStringToObject(result, "runtime", string_of(picked, "name"));
    cJSON_AddStringToObject(result, "runtime_kind", string_of(picked, "kind") ? string_of(picked, "kind") : "ClusterTrainingRuntime");
    cJSON *trainer = cJSON_AddObjectToObject(result, "trainer");
    const char *command[] = {"bash", "-c", "exec python -m tiny10.train"};
    cJSON_AddItemToObject(trainer, "command", cJSON_CreateStringArray(command, 3));
    const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(request, "num_nodes");
    if (cJSON_IsNumber(nodes)) cJSON_AddNumberToObject(trainer, "numNodes", round(nodes->valuedouble));
    const cJSON *resources = cJSON_GetObjectItemCaseSensitive(request, "resources_per_node");
    if (cJSON_IsObject(resources)) cJSON_AddItemToObject(trainer, "resourcesPerNode", cJSON_Duplicate(resources, 1));
    if (fallback) cJSON_AddStringToObject(trainer, "image", IMAGE);
    char *out = cJSON_PrintUnformatted(answer);
    cJSON_Delete(answer);
    return out;
}

static char *estimate(const cJSON *request) {
    if (!string_of(request, "model")) return error_answer("model", "estimate needs model.");
    cJSON *answer = cJSON_CreateObject();
    cJSON *result = cJSON_AddObjectToObject(answer, "result");
    cJSON_AddNumberToObject(result, "recommended_gpus", 1);
    char *out = cJSON_PrintUnformatted(answer);
    cJSON_Delete(answer);
    return out;
}

static int32_t backend_invoke(const char *backend_id, const char *op, const char *json_in,
                              kfmcp_call *call, char **json_out) {
    (void)call;
    if (strcmp(backend_id, BACKEND_ID) != 0) return KFMCP_ERR_UNKNOWN;
    int build = strcmp(op, "build_trainer") == 0;
    if (!build && strcmp(op, "estimate") != 0) return KFMCP_ERR_UNKNOWN;
    cJSON *request = cJSON_Parse(json_in);
    if (!cJSON_IsObject(request)) { cJSON_Delete(request); return KFMCP_ERR_BAD_INPUT; }
    *json_out = build ? build_trainer(request) : estimate(request);
    cJSON_Delete(request);
    return *json_out ? KFMCP_OK : KFMCP_ERR_INTERNAL;
}

static int32_t invoke(const char *tool, const char *json_in, kfmcp_call *call, char **json_out) {
    (void)tool; (void)json_in; (void)call; (void)json_out;
    return KFMCP_ERR_UNKNOWN;
}

static void free_result(char *json_out) { cJSON_free(json_out); }

static const kfmcp_backend_v1 backends[] = {{
    .struct_size = sizeof(kfmcp_backend_v1),
    .id = BACKEND_ID,
    .title = "tiny10 (built against ABI 1.0)",
    .version = "1.0.0",
    .capabilities_json = "{\"methods\":[\"lora\",\"qlora\",\"full\"],\"multi_node\":true,\"memory_factor\":1.0,"
                         "\"runtime_selector\":{\"framework\":\"" FRAMEWORK "\",\"fallback_runtime\":\"" FALLBACK_RUNTIME "\","
                         "\"image\":\"" IMAGE "\"}}",
}};

static const kfmcp_manifest_v1 manifest = {
    .struct_size = sizeof(kfmcp_manifest_v1),
    .abi_major = KFMCP_ABI_MAJOR,
    .abi_minor = KFMCP_ABI_MINOR,
    .plugin_id = "tiny10-backend",
    .plugin_version = "1.0.0",
    .built_with = "cc",
    .description = "A fine-tuning backend built against ABI 1.0.",
    .tools = NULL,
    .tool_count = 0,
    .backend_count = 1,
    .backends = backends,
    .invoke = invoke,
    .backend_invoke = backend_invoke,
    .free_result = free_result,
    .shutdown = NULL,
};

__attribute__((visibility("default")))
const kfmcp_manifest_v1 *kfmcp_plugin_entry_v1(const kfmcp_host_v1 *host) {
    if (host == NULL || host->abi_major != KFMCP_ABI_MAJOR) return NULL;
    return &manifest;
}
