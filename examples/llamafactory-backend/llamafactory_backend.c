/*
 * A third-party fine-tuning backend for kubeflow-mcp, in plain C: LLaMA-Factory.
 *
 *   cc -shared -fPIC -Wall -Werror -I Sources/PluginABI/include \
 *      examples/llamafactory-backend/llamafactory_backend.c -lcjson -o plugins.d/libllamafactory_backend.so
 *
 * Drop the library into a plugins directory and `fine_tune` accepts
 * backend="llamafactory"; no other plugin changes. The backend answers two
 * operations (kfmcp_plugin.h, backend_invoke):
 *
 *   build_trainer  the TrainJob's trainer section: a `bash -c` script that writes
 *                  a LLaMA-Factory YAML config (and the dataset_info.json naming
 *                  the dataset) with quoted heredocs, then runs
 *                  `llamafactory-cli train /workspace/config.yaml`;
 *   estimate       a rough GPU memory estimate.
 *
 * The request and answer of build_trainer are the same for every backend; see
 * docs/finetune-backend.md. JSON is read and written with Debian's cJSON
 * (libcjson-dev); the generated shell script and YAML, which are text, are
 * built in a growing string buffer.
 */
#include "kfmcp_plugin.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BACKEND_ID "llamafactory"
#define FRAMEWORK "llamafactory"
#define FALLBACK_RUNTIME "torch-distributed"
#define IMAGE "hiyouga/llamafactory:latest"
#define CONFIG_PATH "/workspace/config.yaml"
#define DATASET_INFO_DIR "/workspace/llamafactory-data"
#define OUTPUT_DIR "/workspace/output"

/* ------------------------------------------------------------------------- */
/* A growing string buffer: everything we return is built in one.            */

typedef struct {
    char *data;
    size_t len, cap;
    int failed; /* set once an allocation failed; the result is then dropped */
} buffer;

static void buf_add(buffer *b, const char *s, size_t n) {
    if (b->failed) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->len + n + 1 > cap) cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown) { b->failed = 1; return; }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void buf_puts(buffer *b, const char *s) { buf_add(b, s, strlen(s)); }

static void buf_printf(buffer *b, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(buffer *b, const char *format, ...) {
    char small[512];
    va_list args;
    va_start(args, format);
    int n = vsnprintf(small, sizeof small, format, args);
    va_end(args);
    if (n < 0) { b->failed = 1; return; }
    if ((size_t)n < sizeof small) { buf_add(b, small, (size_t)n); return; }
    char *big = malloc((size_t)n + 1);
    if (!big) { b->failed = 1; return; }
    va_start(args, format);
    vsnprintf(big, (size_t)n + 1, format, args);
    va_end(args);
    buf_add(b, big, (size_t)n);
    free(big);
}

/* A JSON string literal (cJSON does the escaping). */
static void buf_json_string(buffer *b, const char *s) {
    cJSON *str = cJSON_CreateString(s);
    char *text = str ? cJSON_PrintUnformatted(str) : NULL;
    if (text) buf_puts(b, text); else b->failed = 1;
    cJSON_free(text);
    cJSON_Delete(str);
}

/* A single-quoted YAML scalar: the only escape is '' for '. Control characters
 * are dropped: a line break could end the heredoc the config is written with. */
static void buf_yaml_string(buffer *b, const char *s) {
    buf_puts(b, "'");
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20) continue;
        buf_puts(b, *s == '\'' ? "''" : (char[2]){*s, 0});
    }
    buf_puts(b, "'");
}

/* A YAML float that PyYAML (YAML 1.1) reads as a float: it needs a dot, so
 * 2e-05 is written 2.0e-05 (as LLaMA-Factory's examples write 1.0e-4). */
static void buf_yaml_float(buffer *b, double v) {
    char text[64];
    snprintf(text, sizeof text, "%g", v);
    char *e = strchr(text, 'e');
    if (strchr(text, '.')) buf_puts(b, text);
    else if (e) { buf_add(b, text, (size_t)(e - text)); buf_puts(b, ".0"); buf_puts(b, e); }
    else { buf_puts(b, text); buf_puts(b, ".0"); }
}

/* A single-quoted shell word: ' becomes '"'"'. */
static void buf_shell_word(buffer *b, const char *s) {
    buf_puts(b, "'");
    for (; *s; s++) buf_puts(b, *s == '\'' ? "'\"'\"'" : (char[2]){*s, 0});
    buf_puts(b, "'");
}

/* ------------------------------------------------------------------------- */
/* Reading the request (a cJSON tree; a JSON null reads as absent).          */

static const cJSON *get(const cJSON *obj, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNull(v) ? NULL : v;
}

/* Copy the string `key` into out. 0 when absent or not a string. */
static int get_string(const cJSON *obj, const char *key, char *out, size_t size) {
    const cJSON *v = get(obj, key);
    if (!cJSON_IsString(v) || size == 0) return 0;
    snprintf(out, size, "%s", v->valuestring);
    return 1;
}

static int get_number(const cJSON *obj, const char *key, double *out) {
    const cJSON *v = get(obj, key);
    if (!cJSON_IsNumber(v)) return 0;
    *out = v->valuedouble;
    return 1;
}

/* ------------------------------------------------------------------------- */
/* Answers.                                                                  */

/* Print and free an answer object; NULL when memory ran out. */
static char *print_answer(cJSON *answer) {
    char *text = answer ? cJSON_PrintUnformatted(answer) : NULL;
    cJSON_Delete(answer);
    return text;
}

static char *error_answer(const char *field, const char *format, ...) __attribute__((format(printf, 2, 3)));
static char *error_answer(const char *field, const char *format, ...) {
    char message[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    cJSON *answer = cJSON_CreateObject();
    cJSON *error = cJSON_AddObjectToObject(answer, "error");
    cJSON_AddStringToObject(error, "message", message);
    if (field) cJSON_AddStringToObject(error, "field", field);
    return print_answer(answer);
}

/* backend_options keys this backend understands; anything else is refused. */
static const char *const known_options[] = {"template", "cutoff_len", "gradient_accumulation_steps", "lora_target", NULL};

static char *check_backend_options(const cJSON *options) {
    if (!options) return NULL;
    if (!cJSON_IsObject(options)) return error_answer("backend_options", "backend_options must be an object.");
    const cJSON *option;
    cJSON_ArrayForEach(option, options) {
        int known = 0;
        for (int i = 0; known_options[i]; i++) known |= strcmp(option->string, known_options[i]) == 0;
        if (!known)
            return error_answer("backend_options",
                                "backend_options.%.100s is not an option of the llamafactory backend; it accepts: "
                                "template, cutoff_len, gradient_accumulation_steps, lora_target.", option->string);
    }
    return NULL;
}

/* The LLaMA-Factory chat template for a model, guessed from its name. */
static const char *guess_template(const char *model) {
    char lower[512];
    size_t i = 0;
    for (; model[i] && i + 1 < sizeof lower; i++) lower[i] = (char)tolower((unsigned char)model[i]);
    lower[i] = '\0';
    if (strstr(lower, "llama-3") || strstr(lower, "llama3")) return "llama3";
    if (strstr(lower, "qwen3")) return "qwen3";
    if (strstr(lower, "qwen")) return "qwen";
    if (strstr(lower, "gemma")) return "gemma";
    if (strstr(lower, "mistral")) return "mistral";
    if (strstr(lower, "phi-3") || strstr(lower, "phi3")) return "phi";
    return "default";
}

/* "hf://org/name/sub/dir" → repo "org/name", subpath "sub/dir" (or ""). */
static void split_hf_uri(const char *uri, char *repo, size_t repo_size, char *subpath, size_t sub_size) {
    if (strncmp(uri, "hf://", 5) == 0) uri += 5;
    const char *slash = strchr(uri, '/');
    const char *second = slash ? strchr(slash + 1, '/') : NULL;
    size_t repo_len = second ? (size_t)(second - uri) : strlen(uri);
    snprintf(repo, repo_size, "%.*s", (int)repo_len, uri);
    snprintf(subpath, sub_size, "%s", second ? second + 1 : "");
}

/* A runtime from the request's list: the backend's own framework, else the fallback. */
static const cJSON *pick_runtime(const cJSON *runtimes, const char *wanted, int *is_fallback) {
    const cJSON *fallback = NULL, *p;
    if (!cJSON_IsArray(runtimes)) return NULL;
    cJSON_ArrayForEach(p, runtimes) {
        char name[256] = "", framework[128] = "";
        get_string(p, "name", name, sizeof name);
        get_string(p, "framework", framework, sizeof framework);
        int native = strcmp(framework, FRAMEWORK) == 0;
        int generic = strcmp(name, FALLBACK_RUNTIME) == 0;
        if (wanted ? strcmp(name, wanted) == 0 && (native || generic) : native) {
            *is_fallback = !native;
            return p;
        }
        if (!wanted && generic) fallback = p;
    }
    *is_fallback = fallback != NULL;
    return fallback;
}

/* The YAML config, LLaMA-Factory's own keys (see its examples/train_lora configs). */
static void write_config(buffer *y, const cJSON *request, const cJSON *options, const char *model) {
    char peft[16] = "lora", text[256];
    double v;
    get_string(request, "peft_method", peft, sizeof peft);
    int lora = strcmp(peft, "lora") == 0 || strcmp(peft, "qlora") == 0;

    buf_puts(y, "### method\nstage: sft\ndo_train: true\n");
    buf_printf(y, "finetuning_type: %s\n", lora ? "lora" : "full");
    if (lora) {
        buf_printf(y, "lora_rank: %d\n", get_number(request, "lora_rank", &v) ? (int)v : 8);
        if (get_number(request, "lora_alpha", &v)) buf_printf(y, "lora_alpha: %d\n", (int)v);
        if (get_number(request, "lora_dropout", &v)) { buf_puts(y, "lora_dropout: "); buf_yaml_float(y, v); buf_puts(y, "\n"); }
        buf_puts(y, "lora_target: ");
        buf_yaml_string(y, options && get_string(options, "lora_target", text, sizeof text) ? text : "all");
        buf_puts(y, "\n");
    }
    if (strcmp(peft, "qlora") == 0) buf_puts(y, "quantization_bit: 4\n");

    buf_puts(y, "### dataset\ndataset: kfmcp_train\ndataset_dir: " DATASET_INFO_DIR "\ntemplate: ");
    buf_yaml_string(y, options && get_string(options, "template", text, sizeof text) ? text : guess_template(model));
    buf_printf(y, "\ncutoff_len: %d\n", options && get_number(options, "cutoff_len", &v) ? (int)v : 2048);

    buf_puts(y, "### output\noutput_dir: ");
    buf_yaml_string(y, get_string(request, "output_dir", text, sizeof text) ? text : OUTPUT_DIR);
    buf_puts(y, "\nlogging_steps: 10\nsave_strategy: epoch\n");

    buf_puts(y, "### train\n");
    buf_printf(y, "per_device_train_batch_size: %d\n", get_number(request, "batch_size", &v) ? (int)v : 1);
    buf_printf(y, "gradient_accumulation_steps: %d\n",
               options && get_number(options, "gradient_accumulation_steps", &v) ? (int)v : 8);
    buf_puts(y, "learning_rate: ");
    buf_yaml_float(y, get_number(request, "learning_rate", &v) ? v : 1.0e-4);
    buf_puts(y, "\nnum_train_epochs: ");
    buf_yaml_float(y, get_number(request, "epochs", &v) ? v : 3.0);
    buf_puts(y, "\n");
    char dtype[16] = "";
    get_string(request, "dtype", dtype, sizeof dtype);
    if (strcmp(dtype, "fp32") != 0) buf_puts(y, "bf16: true\n"); /* no flag: LLaMA-Factory trains in fp32 */
}

/* The bash script: resolve model and dataset, write both files, train. Every
 * heredoc is quoted (<<'KFMCP_EOF'), so the shell expands nothing inside. */
static void write_script(buffer *s, const cJSON *request, const cJSON *options,
                         const char *model_repo, const char *dataset_repo, const char *dataset_sub) {
    char local_dataset[600];
    snprintf(local_dataset, sizeof local_dataset, "/workspace/dataset%s%s", *dataset_sub ? "/" : "", dataset_sub);

    buf_puts(s, "set -e\n");
    buf_puts(s, "# Model and dataset: the initializers' copies when the runtime has initializers, else the Hub.\n");
    buf_puts(s, "MODEL_PATH=/workspace/model\n");
    buf_puts(s, "if [ ! -f \"$MODEL_PATH/config.json\" ]; then MODEL_PATH=");
    buf_shell_word(s, model_repo);
    buf_puts(s, "; fi\n");

    /* LLaMA-Factory finds datasets by name in dataset_dir/dataset_info.json. */
    buf_puts(s, "mkdir -p " DATASET_INFO_DIR "\nif [ -e ");
    buf_shell_word(s, local_dataset);
    buf_puts(s, " ]; then\ncat > " DATASET_INFO_DIR "/dataset_info.json <<'KFMCP_EOF'\n");
    buf_puts(s, "{\"kfmcp_train\": {\"file_name\": ");
    buf_json_string(s, local_dataset);
    buf_puts(s, "}}\nKFMCP_EOF\nelse\ncat > " DATASET_INFO_DIR "/dataset_info.json <<'KFMCP_EOF'\n");
    buf_puts(s, "{\"kfmcp_train\": {\"hf_hub_url\": ");
    buf_json_string(s, dataset_repo);
    if (*dataset_sub) { buf_puts(s, ", \"folder\": "); buf_json_string(s, dataset_sub); }
    buf_puts(s, "}}\nKFMCP_EOF\nfi\n");

    buf_puts(s, "cat > " CONFIG_PATH " <<'KFMCP_EOF'\n");
    write_config(s, request, options, model_repo);
    buf_puts(s, "KFMCP_EOF\n");
    buf_puts(s, "printf 'model_name_or_path: %s\\n' \"$MODEL_PATH\" >> " CONFIG_PATH "\n");

    buf_puts(s, "# Several nodes: llamafactory-cli starts torchrun from these (Kubeflow Trainer sets PET_*).\n");
    buf_puts(s, "export FORCE_TORCHRUN=1 NNODES=\"${PET_NNODES:-1}\" NODE_RANK=\"${PET_NODE_RANK:-0}\"\n");
    buf_puts(s, "export MASTER_ADDR=\"${PET_MASTER_ADDR:-127.0.0.1}\" MASTER_PORT=\"${PET_MASTER_PORT:-29500}\"\n");
    buf_puts(s, "case \"${PET_NPROC_PER_NODE:-}\" in ''|*[!0-9]*) ;; *) export NPROC_PER_NODE=\"$PET_NPROC_PER_NODE\" ;; esac\n");
    buf_puts(s, "exec llamafactory-cli train " CONFIG_PATH "\n");
}

static char *build_trainer(const cJSON *request) {
    char model[512], dataset[512], source[16] = "", peft[16] = "lora", wanted[256];
    if (!get_string(request, "model", model, sizeof model))
        return error_answer("model", "build_trainer needs model (a storage URI).");
    if (!get_string(request, "dataset", dataset, sizeof dataset))
        return error_answer("dataset", "build_trainer needs dataset (a storage URI).");
    get_string(request, "peft_method", peft, sizeof peft);
    if (strcmp(peft, "lora") && strcmp(peft, "qlora") && strcmp(peft, "none") && strcmp(peft, "full"))
        return error_answer("peft_method", "peft_method must be lora, qlora or none; got %s.", peft);
    const cJSON *options = get(request, "backend_options");
    char *refused = check_backend_options(options);
    if (refused) return refused;

    int has_wanted = get_string(request, "runtime", wanted, sizeof wanted);
    int is_fallback = 0;
    const cJSON *runtimes = get(request, "runtimes");
    if (!runtimes)
        return error_answer("runtimes", "The llamafactory backend needs the runtimes list in the request (fine_tune sends it).");
    const cJSON *runtime = pick_runtime(runtimes, has_wanted ? wanted : NULL, &is_fallback);
    if (!runtime)
        return error_answer("runtime", has_wanted
            ? "Runtime %s is not a llamafactory runtime and not " FALLBACK_RUNTIME "; the llamafactory backend runs on one of those."
            : "%sNo runtime labelled trainer.kubeflow.org/framework=" FRAMEWORK " and no " FALLBACK_RUNTIME " runtime.",
            has_wanted ? wanted : "");
    char runtime_name[256] = "", runtime_kind[64] = "ClusterTrainingRuntime";
    get_string(runtime, "name", runtime_name, sizeof runtime_name);
    get_string(runtime, "kind", runtime_kind, sizeof runtime_kind);

    char model_repo[512], dataset_repo[512], dataset_sub[512], ignored[512];
    split_hf_uri(model, model_repo, sizeof model_repo, ignored, sizeof ignored);
    split_hf_uri(dataset, dataset_repo, sizeof dataset_repo, dataset_sub, sizeof dataset_sub);
    if (is_fallback && ((get_string(request, "model_source", source, sizeof source) && strcmp(source, "s3") == 0) ||
                        (get_string(request, "dataset_source", source, sizeof source) && strcmp(source, "s3") == 0)))
        return error_answer("runtime", "Runtime %s has no initializers to fetch s3:// sources; use HuggingFace sources "
                                       "or a runtime labelled trainer.kubeflow.org/framework=" FRAMEWORK ".", runtime_name);

    buffer script = {0};
    write_script(&script, request, options, model_repo, dataset_repo, dataset_sub);

    cJSON *answer = cJSON_CreateObject();
    cJSON *result = cJSON_AddObjectToObject(answer, "result");
    cJSON_AddStringToObject(result, "runtime", runtime_name);
    cJSON_AddStringToObject(result, "runtime_kind", runtime_kind);
    cJSON *trainer = cJSON_AddObjectToObject(result, "trainer");
    const char *command[] = {"bash", "-c", script.data ? script.data : ""};
    cJSON_AddItemToObject(trainer, "command", cJSON_CreateStringArray(command, 3));
    double nodes;
    if (get_number(request, "num_nodes", &nodes) && nodes >= 1) cJSON_AddNumberToObject(trainer, "numNodes", (int)nodes);
    const cJSON *resources = get(request, "resources_per_node");
    if (cJSON_IsObject(resources)) cJSON_AddItemToObject(trainer, "resourcesPerNode", cJSON_Duplicate(resources, 1));
    if (is_fallback) cJSON_AddStringToObject(trainer, "image", IMAGE);
    cJSON *notes = cJSON_AddArrayToObject(result, "notes");
    cJSON_AddItemToArray(notes, cJSON_CreateString(
        "Runs llamafactory-cli train with a generated LLaMA-Factory config (" CONFIG_PATH ")."));
    if (is_fallback)
        cJSON_AddItemToArray(notes, cJSON_CreateString(
            "No runtime labelled trainer.kubeflow.org/framework=" FRAMEWORK ": the job runs on " FALLBACK_RUNTIME
            " with image " IMAGE "; it downloads the model and dataset from the Hugging Face Hub."));
    int failed = script.failed;
    free(script.data);
    if (failed) { cJSON_Delete(answer); return NULL; }
    return print_answer(answer);
}

/* "Qwen/Qwen2.5-7B-Instruct" → 7, "SmolLM-360M" → 0.36 (billions); 0 if unknown. */
static double parameter_billions(const char *model) {
    const char *name = strrchr(model, '/');
    name = name ? name + 1 : model;
    double found = 0;
    for (const char *p = name; *p; p++) {
        if (p != name && p[-1] != '-' && p[-1] != '_') continue; /* token starts */
        char *end;
        double v = strtod(p, &end);
        if (end == p || (*end != 'b' && *end != 'B' && *end != 'm' && *end != 'M')) continue;
        if (end[1] != '\0' && end[1] != '-' && end[1] != '_') continue;
        found = (*end == 'm' || *end == 'M') ? v / 1000 : v;
    }
    return found;
}

static char *estimate(const cJSON *request) {
    char model[512], peft[16] = "lora";
    if (!get_string(request, "model", model, sizeof model)) return error_answer("model", "estimate needs model.");
    get_string(request, "peft_method", peft, sizeof peft);
    double p = 0, batch = 4, gpu_memory = 80;
    if (!get_number(request, "params_billion", &p)) p = parameter_billions(model);
    if (p <= 0) return error_answer("params_billion", "Cannot tell the size of %s from its name; pass params_billion.", model);
    get_number(request, "batch_size", &batch);
    get_number(request, "gpu_memory_gb", &gpu_memory);
    int adapters = strcmp(peft, "lora") == 0 || strcmp(peft, "qlora") == 0;
    double weights = strcmp(peft, "qlora") == 0 ? 0.5 * p : 2 * p;  /* GB: bytes per parameter × billions */
    double trained = adapters ? 0.01 * p : p;                       /* adapters ≈ 1% of the parameters */
    double gradients = 2 * trained, optimizer = 8 * trained, activations = 0.25 * 2 * p * batch / 4;
    double total = (weights + gradients + optimizer + activations) * 1.1;
    int gpus = (int)ceil(total / (gpu_memory * 0.9));
    cJSON *answer = cJSON_CreateObject();
    cJSON *result = cJSON_AddObjectToObject(answer, "result");
    cJSON_AddStringToObject(result, "model", model);
    cJSON_AddNumberToObject(result, "params_billion", p);
    cJSON_AddStringToObject(result, "peft_method", peft);
    cJSON *memory = cJSON_AddObjectToObject(result, "memory_gb");
    cJSON_AddNumberToObject(memory, "weights", round(weights * 10) / 10);
    cJSON_AddNumberToObject(memory, "gradients", round(gradients * 10) / 10);
    cJSON_AddNumberToObject(memory, "optimizer", round(optimizer * 10) / 10);
    cJSON_AddNumberToObject(memory, "activations", round(activations * 10) / 10);
    cJSON_AddNumberToObject(memory, "total", round(total * 10) / 10);
    cJSON_AddNumberToObject(result, "gpu_memory_gb", gpu_memory);
    cJSON_AddNumberToObject(result, "recommended_gpus", gpus < 1 ? 1 : gpus);
    cJSON_AddNumberToObject(result, "memory_factor", 1.0);
    cJSON_AddStringToObject(result, "method", "rough first-order model");
    return print_answer(answer);
}

/* ------------------------------------------------------------------------- */
/* The ABI surface.                                                          */

static int32_t backend_invoke(const char *backend_id, const char *op, const char *json_in,
                              kfmcp_call *call, char **json_out) {
    (void)call; /* no host services needed: everything comes in the request */
    if (strcmp(backend_id, BACKEND_ID) != 0) return KFMCP_ERR_UNKNOWN;
    int build = strcmp(op, "build_trainer") == 0;
    if (!build && strcmp(op, "estimate") != 0) return KFMCP_ERR_UNKNOWN;
    cJSON *request = cJSON_Parse(json_in);
    if (!cJSON_IsObject(request)) { cJSON_Delete(request); return KFMCP_ERR_BAD_INPUT; }
    *json_out = build ? build_trainer(request) : estimate(request);
    cJSON_Delete(request);
    return *json_out ? KFMCP_OK : KFMCP_ERR_INTERNAL;
}

/* No tools, only a backend; the host still wants an invoke function. */
static int32_t invoke(const char *tool, const char *json_in, kfmcp_call *call, char **json_out) {
    (void)tool; (void)json_in; (void)call; (void)json_out;
    return KFMCP_ERR_UNKNOWN;
}

static void free_result(char *json_out) { cJSON_free(json_out); }

static const kfmcp_backend_v1 backends[] = {{
    .struct_size = sizeof(kfmcp_backend_v1),
    .id = BACKEND_ID,
    .title = "LLaMA-Factory (llamafactory-cli train)",
    .version = "0.1.0",
    .capabilities_json =
        "{\"methods\":[\"lora\",\"qlora\",\"full\"],"
        "\"model_families\":[\"llama\",\"qwen\",\"qwen3\",\"gemma\",\"mistral\",\"phi\"],"
        "\"multi_node\":true,\"memory_factor\":1.0,"
        /* LLaMA-Factory trains with the Hugging Face Trainer and PEFT. */
        "\"memory_profile\":{\"loss\":\"full\",\"activation_checkpointing\":true,\"optimizer\":\"adamw\","
        "\"adapter_dtype\":\"fp32\",\"kbit_upcast\":true,\"sharding\":\"ddp\",\"packed\":false},"
        "\"backend_options\":{\"template\":{\"description\":\"LLaMA-Factory chat template; default guessed from the model name.\"},"
        "\"cutoff_len\":{\"description\":\"Maximum sequence length in tokens; default 2048.\"},"
        "\"gradient_accumulation_steps\":{\"description\":\"Default 8.\"},"
        "\"lora_target\":{\"description\":\"Modules to adapt; default all.\"}},"
        "\"runtime_selector\":{\"framework\":\"" FRAMEWORK "\",\"fallback_runtime\":\"" FALLBACK_RUNTIME "\","
        "\"image\":\"" IMAGE "\"}}",
}};

static const kfmcp_manifest_v1 manifest = {
    .struct_size = sizeof(kfmcp_manifest_v1),
    .abi_major = KFMCP_ABI_MAJOR,
    .abi_minor = KFMCP_ABI_MINOR,
    .plugin_id = "llamafactory-backend",
    .plugin_version = "0.1.0",
    .built_with = "cc",
    .description = "LLaMA-Factory fine-tuning backend for fine_tune, written in C.",
    .tools = NULL,
    .tool_count = 0,
    .backend_count = sizeof backends / sizeof backends[0],
    .backends = backends,
    .invoke = invoke,
    .backend_invoke = backend_invoke,
    .free_result = free_result,
    .shutdown = NULL,
};

KFMCP_EXPORT
const kfmcp_manifest_v1 *kfmcp_plugin_entry_v1(const kfmcp_host_v1 *host) {
    if (host == NULL || host->struct_size < KFMCP_HOST_V1_0_SIZE || host->abi_major != KFMCP_ABI_MAJOR) return NULL;
    host->log(host, KFMCP_LOG_DEBUG, "llamafactory backend loaded");
    return &manifest;
}
