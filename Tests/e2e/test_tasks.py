"""MCP tasks (2025-11-25) backed by TrainJobs and Experiments (issue 30).

A task is the object in the cluster, not an entry in one server process: a
task created by one `serve` process is read back (tasks/get, tasks/result) by a
second one on the same simulator after the first has exited. Access is bound to
the requestor by the owner stamp on the object. The official `mcp` client
carries every request; it has no methods for 2025-11-25 tasks (mcp 2.x follows
the later tasks extension), so task requests go through its session's raw
request path, and the follower's notifications are read as raw JSON lines."""
import base64
import json

import pytest
from mcp.shared.exceptions import MCPError

from conftest import BINARY, StandaloneSim
from http_support import ALICE, BOB, http_server, http_session
from mcp_client import RawServer, run, session
from test_mcp_surface import EXPERIMENT  # an experiment as the SDK makes one; in real time its trials outlast the test

CONTAINER = {"image": "docker.io/library/python:3.11", "command": ["python", "-c", "print('hi')"]}
TASK_TOOLS = {"fine_tune", "run_custom_training", "run_container_job", "wait_for_completion", "create_experiment"}
RELATED = "io.modelcontextprotocol/related-task"


async def raw(s, method, params, on_progress=None):
    """A request the official client has no method for, through its own session."""
    opts = {"on_progress": on_progress} if on_progress else {}
    return await s._dispatcher.send_raw_request(method, params, opts)


async def start_task(s, tool, args):
    """A task-augmented call of a tool that needs confirmation, as a client without
    elicitation makes it: the first call previews (a plain CallToolResult, no task
    exists yet), the second carries the user's confirmation and returns the task."""
    preview = await raw(s, "tools/call", {"name": tool, "arguments": args, "task": {}})
    assert "task" not in preview and preview["structuredContent"]["status"] == "needs_confirmation", preview
    token = preview["structuredContent"]["confirmation_token"]
    created = await raw(s, "tools/call", {"name": tool, "arguments": {**args, "confirm": token}, "task": {"ttl": 60000}})
    return created["task"]


async def error_of(s, method, params):
    with pytest.raises(MCPError) as caught:
        await raw(s, method, params)
    return caught.value.error


@pytest.fixture
def fast_sim(tmp_path):
    sim = StandaloneSim(tmp_path, "--time-scale=100")
    yield sim
    sim.stop()


def test_initialize_and_tools_list_say_exactly_which_tools_run_as_tasks():
    async def body():
        async with session("--sim") as s:
            caps = s.init_result.capabilities.model_dump(by_alias=True, exclude_none=True)
            assert caps["tasks"] == {"list": {}, "cancel": {}, "requests": {"tools": {"call": {}}}}, caps
            tools = (await s.list_tools()).tools
        support = {t.name: t.execution.task_support for t in tools if t.execution}
        assert support == {name: "optional" for name in TASK_TOOLS}, support
    run(body)


def test_a_task_is_read_back_by_a_second_server_process_after_the_first_exits(tmp_path, fast_sim):
    config = ("--kubeconfig", str(fast_sim.kubeconfig))

    async def body():
        async with session(*config) as first:
            task = await start_task(first, "run_container_job", CONTAINER)
            assert task["status"] in ("working", "completed") and task["ttl"] is None, task
            assert task["taskId"].startswith("trainjob/") and task["createdAt"], task
            got = await raw(first, "tasks/get", {"taskId": task["taskId"]})
            assert got["taskId"] == task["taskId"]
        # The first process has exited: nothing of the task lived in it.
        async with session(*config) as second:
            progress = []

            async def on_progress(value, total, message):
                progress.append((value, total, message))
            got = await raw(second, "tasks/get", {"taskId": task["taskId"]})
            assert got["status"] in ("working", "completed"), got
            result = await raw(second, "tasks/result", {"taskId": task["taskId"]}, on_progress=on_progress)
            assert result["_meta"][RELATED] == {"taskId": task["taskId"]}
            assert result["structuredContent"]["status"] == "Complete", result
            assert result["isError"] is False
            done = await raw(second, "tasks/get", {"taskId": task["taskId"]})
            assert done["status"] == "completed" and done["lastUpdatedAt"] >= done["createdAt"]
            assert progress and progress[-1][0] == 100 and all(t == 100 for _, t, _ in progress), progress
            listed, cursor = [], None
            for _ in range(10):
                page = await raw(second, "tasks/list", {"cursor": cursor} if cursor else {})
                listed += [t["taskId"] for t in page["tasks"]]
                cursor = page.get("nextCursor")
                if not cursor:
                    break
            assert task["taskId"] in listed, listed
    run(body)


def test_progress_and_status_keep_flowing_while_the_requestor_polls(tmp_path, fast_sim):
    server = RawServer("--kubeconfig", str(fast_sim.kubeconfig))
    try:
        server.initialize()
        args = dict(CONTAINER)
        server.send({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "run_container_job", "arguments": args}})
        preview, _ = server.read_until_id(1)
        token = preview["result"]["structuredContent"]["confirmation_token"]
        server.send({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                     "params": {"name": "run_container_job", "arguments": {**args, "confirm": token}, "task": {},
                                "_meta": {"progressToken": "p1"}}})
        created, _ = server.read_until_id(2)
        task_id = created["result"]["task"]["taskId"]
        # The call was answered at once; the follower reports on the same token until the job ends.
        statuses, progress = [], []
        while not statuses or statuses[-1]["status"] == "working":
            message = server.read()
            if message.get("method") == "notifications/tasks/status":
                statuses.append(message["params"])
            elif message.get("method") == "notifications/progress":
                progress.append(message["params"])
        assert statuses[-1]["status"] == "completed" and statuses[-1]["taskId"] == task_id, statuses
        assert progress and all(p["progressToken"] == "p1" and p["_meta"][RELATED] == {"taskId": task_id}
                                for p in progress), progress
        values = [p["progress"] for p in progress]
        assert values == sorted(values) and values[-1] == 100
    finally:
        server.close()


def test_cancel_needs_confirmation_and_others_cannot_see_or_cancel_a_task(tmp_path):
    sim = StandaloneSim(tmp_path)  # real time: the job is still running while we cancel
    try:
        mine = ("--kubeconfig", str(sim.kubeconfig))
        # Bob may read every namespace: only the owner stamp keeps him out.
        theirs = ("--kubeconfig", str(sim.kubeconfig_for(tmp_path / "bob", BOB)))

        async def body():
            async with session(*mine) as s:
                task = await start_task(s, "create_experiment", EXPERIMENT)
                task_id = task["taskId"]
                assert task_id.startswith("experiment/")
                # Another user presents the id: the same words as a task that does not exist.
                async with session(*theirs) as other:
                    for method in ("tasks/get", "tasks/result", "tasks/cancel"):
                        err = await error_of(other, method, {"taskId": task_id})
                        assert err.code == -32602 and "No task" in err.message, (method, err)
                    forged = task_id.replace("/default/", "/ml-team-dev/")
                    assert (await error_of(other, "tasks/get", {"taskId": forged})).code == -32602
                    page = await raw(other, "tasks/list", {})
                    assert task_id not in [t["taskId"] for t in page["tasks"]]
                # Deleting the experiment is destructive: the person confirms, as for delete_experiment.
                err = await error_of(s, "tasks/cancel", {"taskId": task_id})
                assert err.code == -32600 and "confirmation" in err.message, err
                token = err.data["confirmation_token"]
                assert (await raw(s, "tasks/get", {"taskId": task_id}))["status"] == "working"
                # A made-up token confirms nothing.
                bad = await error_of(s, "tasks/cancel", {"taskId": task_id, "_meta": {"kubeflow-mcp/confirm": "x" * 16}})
                assert bad.code in (-32603, -32600), bad
                cancelled = await raw(s, "tasks/cancel", {"taskId": task_id, "_meta": {"kubeflow-mcp/confirm": token}})
                assert cancelled["status"] == "cancelled" and cancelled["taskId"] == task_id, cancelled
        run(body)
    finally:
        sim.stop()


HOSTILE_IDS = ["", "trainjob", "trainjob/default", "a/b/c/d", "trainjob/../x", "trainjob/Default/x",
               "trainjob/default/x/../../y", "nokind/default/x", "trainjob/default/" + "a" * 300,
               "trainjob/default/x\u0000", "trainjob/kube-system/coredns", "trainjob/default/never-created"]


def test_hostile_task_ids_cursors_and_calls_are_refused_with_a_sentence():
    async def body():
        async with session("--sim") as s:
            for task_id in HOSTILE_IDS:
                for method in ("tasks/get", "tasks/result", "tasks/cancel"):
                    err = await error_of(s, method, {"taskId": task_id})
                    assert err.code == -32602 and "task" in err.message, (task_id, method, err)
            for params in ({}, {"taskId": 7}, {"taskId": None}, {"taskId": ["trainjob/default/x"]}):
                assert (await error_of(s, "tasks/get", params)).code == -32602
            for cursor in ("not base64!", base64.b64encode(b"[]").decode(), 5,
                           base64.b64encode(json.dumps({"k": "nokind", "c": ""}).encode()).decode(),
                           base64.b64encode(json.dumps({"k": "trainjob", "c": 7}).encode()).decode()):
                err = await error_of(s, "tasks/list", {"cursor": cursor})
                assert err.code == -32602 and "cursor" in err.message, (cursor, err)
            # A tool that does not run as a task.
            err = await error_of(s, "tools/call", {"name": "list_training_jobs", "arguments": {}, "task": {}})
            assert err.code == -32601 and "task" in err.message
            # wait_for_completion as a task follows a job it names: one that is not the caller's is no task.
            err = await error_of(s, "tools/call", {"name": "wait_for_completion", "arguments": {"job_id": "nope"}, "task": {}})
            assert err.code == -32602, err
    run(body)


def test_tasks_over_streamable_http_are_bound_to_the_user(tmp_path):
    async def body(url):
        async with http_session(url, ALICE) as alice:
            assert alice.init_result.capabilities.model_dump(by_alias=True, exclude_none=True)["tasks"]
            task = await start_task(alice, "run_container_job", {**CONTAINER, "namespace": "ml-team-dev"})
            got = await raw(alice, "tasks/get", {"taskId": task["taskId"]})
            assert got["taskId"] == task["taskId"] and got["status"] in ("working", "completed")
            result = await raw(alice, "tasks/result", {"taskId": task["taskId"]})
            assert result["_meta"][RELATED]["taskId"] == task["taskId"]
            # Her scope (--user-policy …@ml-team-dev) is where tasks/list looks.
            assert await list_all(alice) == [task["taskId"]]
        async with http_session(url, "kfsim-admin-token") as admin:
            err = await error_of(admin, "tasks/get", {"taskId": task["taskId"]})
            assert err.code == -32602 and "No task" in err.message
            assert task["taskId"] not in await list_all(admin)

    with http_server(tmp_path, "--auth", "kubernetes", "--sim-time-scale", "100",
                     "--user-policy", "user:alice=data-scientist@ml-team-dev") as server:
        run(lambda: body(server.url))


def test_the_tasks_key_reaches_the_host_from_a_sandboxed_child_plugin(tmp_path):
    """First-party plugins load in-process (every test above); the same manifest key
    crosses the plugin-host child's pipe when the trainer runs isolated."""
    d = tmp_path / "isolated"
    d.mkdir()
    (d / "libkfmcp-trainer.so").symlink_to(BINARY.parent / "libkfmcp-trainer.so")
    (d / "trainer.yaml").write_text("library: libkfmcp-trainer.so\nisolation: process\n")

    async def body():
        async with session("--no-default-plugins", "--plugins-dir", str(d), "--sim", "--sim-time-scale", "100") as s:
            assert s.init_result.capabilities.model_dump(by_alias=True, exclude_none=True)["tasks"]
            listed = await raw(s, "tools/list", {})
            support = {t["name"] for t in listed["tools"] if t.get("execution")}
            assert support == TASK_TOOLS - {"create_experiment"}, support
            task = await start_task(s, "run_container_job", CONTAINER)
            result = await raw(s, "tasks/result", {"taskId": task["taskId"]})
            assert result["structuredContent"]["status"] == "Complete", result
    run(body)


def test_a_blocked_tasks_result_stops_when_the_client_cancels_it(tmp_path):
    sim = StandaloneSim(tmp_path)  # real time: the job outlasts the request
    server = RawServer("--kubeconfig", str(sim.kubeconfig))
    try:
        server.initialize()
        server.send({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "run_container_job", "arguments": CONTAINER}})
        token = server.read_until_id(1)[0]["result"]["structuredContent"]["confirmation_token"]
        server.send({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                     "params": {"name": "run_container_job", "arguments": {**CONTAINER, "confirm": token}, "task": {}}})
        task_id = server.read_until_id(2)[0]["result"]["task"]["taskId"]
        server.send({"jsonrpc": "2.0", "id": 3, "method": "tasks/result", "params": {"taskId": task_id}})
        server.send({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 3}})
        server.send({"jsonrpc": "2.0", "id": 4, "method": "tasks/get", "params": {"taskId": task_id}})
        got, before = server.read_until_id(4)
        assert got["result"]["status"] == "working", got
        messages, _, code = server.close()
        assert code == 0 and all(m.get("id") != 3 for m in before + messages), before + messages
    finally:
        if server.proc.poll() is None:
            server.proc.kill()
        sim.stop()


def test_fastmcp_sees_task_support_and_drives_a_task_over_http(tmp_path):
    """fastmcp's client has no 2025-11-25 task methods either: it lists taskSupport, and
    its session carries the task requests."""
    import fastmcp
    from fastmcp.client.transports import StreamableHttpTransport
    from http_support import ADMIN

    with http_server(tmp_path, "--auth", "kubernetes", "--sim-time-scale", "100") as server:
        async def body():
            async with fastmcp.Client(StreamableHttpTransport(server.url, auth=ADMIN)) as client:
                tools = {t.name: t for t in await client.list_tools()}
                assert {n for n, t in tools.items() if t.execution and t.execution.task_support} == TASK_TOOLS
                task = await start_task(client.session, "run_container_job", CONTAINER)
                result = await raw(client.session, "tasks/result", {"taskId": task["taskId"]})
                assert result["structuredContent"]["status"] == "Complete", result
        run(body)


def cursor_of(doc):
    return base64.b64encode(json.dumps(doc).encode()).decode()


async def list_all(s):
    """Every page of tasks/list, in order; each task id once."""
    listed, cursor = [], None
    for _ in range(50):
        page = await raw(s, "tasks/list", {"cursor": cursor} if cursor else {})
        assert len(page["tasks"]) <= 20, page
        listed += [t["taskId"] for t in page["tasks"]]
        cursor = page.get("nextCursor")
        if not cursor:
            return listed
    raise AssertionError(f"tasks/list did not end: {listed}")


def test_tasks_list_walks_every_namespace_the_policy_allows_and_only_the_callers_objects(tmp_path, fast_sim):
    """24 tasks in two namespaces (more than a page), another user's task beside them:
    with no allowlist one list across the cluster; with an allowlist namespace after namespace,
    the cursor carrying on from one into the next; a user whose rights stop at one namespace
    (the cluster-wide list refused) still gets theirs from the context's namespace."""
    def policy(name, extra=""):
        path = tmp_path / f"{name}.yaml"
        path.write_text('policy:\n  allow: ["*"]\n  skip_confirmation: [run_container_job]\n' + extra)
        return str(path)
    admin = ("--kubeconfig", str(fast_sim.kubeconfig))
    alice = ("--kubeconfig", str(fast_sim.kubeconfig_for(tmp_path / "alice", ALICE, namespace="ml-team-dev")))
    bob = ("--kubeconfig", str(fast_sim.kubeconfig_for(tmp_path / "bob", BOB)))
    everywhere = ("--policy", policy("everywhere"))
    both = ("--policy", policy("both", "  namespaces: [ml-team-dev, default]\n"))
    dev_only = ("--policy", policy("dev", "  namespaces: [ml-team-dev]\n"))

    async def body():
        made = {"default": set(), "ml-team-dev": set()}
        async with session(*admin, *everywhere) as s:
            for i in range(24):
                namespace = "default" if i % 2 else "ml-team-dev"
                created = await raw(s, "tools/call", {"name": "run_container_job", "task": {},
                                                      "arguments": {**CONTAINER, "namespace": namespace}})
                made[namespace].add(created["task"]["taskId"])
            mine = made["default"] | made["ml-team-dev"]
            assert len(mine) == 24
        async with session(*alice, *everywhere) as s:
            theirs = (await raw(s, "tools/call", {"name": "run_container_job", "task": {},
                                                   "arguments": {**CONTAINER, "namespace": "ml-team-dev"}}))["task"]["taskId"]
            assert await list_all(s) == [theirs]
        async with session(*admin, *everywhere) as s:
            listed = await list_all(s)
            assert sorted(listed) == sorted(mine), listed
        async with session(*admin, *both) as s:
            first = await raw(s, "tasks/list", {})
            # Sorted: the 12 in default, then 8 of ml-team-dev; the cursor goes on inside ml-team-dev.
            assert {t["taskId"] for t in first["tasks"]} >= made["default"] and len(first["tasks"]) == 20, first
            assert json.loads(base64.b64decode(first["nextCursor"]))["n"] == "ml-team-dev"
            listed = await list_all(s)
            assert sorted(listed) == sorted(mine), listed
            # A cursor for a namespace or a whole-cluster list this policy does not walk.
            for doc in ({"k": "trainjob", "n": "kube-system", "c": ""}, {"k": "trainjob", "n": "", "c": ""},
                        {"k": "trainjob", "c": ""}, {"k": "trainjob", "n": 7, "c": ""},
                        {"k": "trainjob", "n": "../default", "c": ""}, {"k": "trainjob", "n": "ml-team-dev", "c": "x" * 3000}):
                err = await error_of(s, "tasks/list", {"cursor": cursor_of(doc)})
                assert err.code == -32602 and "cursor" in err.message, (doc, err)
            assert (await error_of(s, "tasks/list", {"cursor": "A" * 20000})).code == -32602
            # A made-up continue token within an allowed namespace finds nothing of anyone else's.
            page = await raw(s, "tasks/list", {"cursor": cursor_of({"k": "trainjob", "n": "ml-team-dev", "c": "bm90IGEga2V5"})})
            assert {t["taskId"] for t in page["tasks"]} <= mine, page
        async with session(*admin, *dev_only) as s:
            assert sorted(await list_all(s)) == sorted(made["ml-team-dev"])
            err = await error_of(s, "tasks/list", {"cursor": cursor_of({"k": "trainjob", "n": "default", "c": ""})})
            assert err.code == -32602
        # Bob may read every namespace: the owner stamp alone keeps every task of the others out.
        async with session(*bob) as s:
            assert await list_all(s) == []
    run(body)
