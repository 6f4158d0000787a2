"""Confirmation a model cannot forge (issue 11), through the built binary, the
official MCP client and the simulator, with and without an elicitation handler.

Without elicitation a preview returns a one-time `confirmation_token` (in
structuredContent and in the text); the tool acts only when called again with
the same arguments and "confirm": "<token>". With elicitation the person is
always asked. No argument value skips the person."""
import json

import anyio
import mcp_types as types

from conftest import run_cli
from mcp_client import run, session

JOB = {"image": "ghcr.io/myorg/trainer:v1", "resources_per_node": {"gpu": 1}}
FINE_TUNE = {"model": "Qwen/Qwen2.5-1.5B-Instruct", "dataset": "tatsu-lab/alpaca"}


async def job_names(s) -> list[str]:
    r = await s.call_tool("list_training_jobs", {})
    return sorted(j["name"] for j in r.structured_content["jobs"])


def previewed_name(preview) -> str:
    posts = [w for w in preview.structured_content["would_send"] if w["method"] == "POST" and w["path"].endswith("/trainjobs")]
    assert len(posts) == 1, preview.content[0].text
    return posts[0]["body"]["metadata"]["name"]


def elicitation(answer: bool, asked: list):
    async def callback(context, params: types.ElicitRequestParams):
        asked.append(params.message)
        return types.ElicitResult(action="accept", content={"confirm": answer})
    return callback


def test_token_flow_creates_exactly_the_previewed_name():
    async def body():
        async with session("--sim") as s:
            preview = await s.call_tool("fine_tune", FINE_TUNE)
            assert not preview.is_error, preview.content[0].text
            token = preview.structured_content["confirmation_token"]
            assert preview.structured_content["expires_in_seconds"] == 600
            assert f'"confirm": "{token}"' in preview.content[0].text
            name = previewed_name(preview)
            assert await job_names(s) == []
            done = await s.call_tool("fine_tune", {**FINE_TUNE, "confirm": token})
            assert not done.is_error, done.content[0].text
            assert done.structured_content["job_id"] == name
            assert await job_names(s) == [name]
    run(body)


def test_confirm_true_and_bad_tokens_are_refused():
    async def body():
        async with session("--sim") as s:
            r = await s.call_tool("run_container_job", {**JOB, "confirm": True})
            assert r.is_error and "confirmation_token" in r.content[0].text and "the user confirms" in r.content[0].text
            r = await s.call_tool("run_container_job", {**JOB, "confirm": "kfct-made-up"})
            assert r.is_error and "unknown" in r.content[0].text
            # Another tool's token, changed arguments, a token used twice.
            token = (await s.call_tool("run_container_job", JOB)).structured_content["confirmation_token"]
            r = await s.call_tool("run_custom_training", {"func": "def train():\n    pass\n", "confirm": token})
            assert r.is_error and "issued for run_container_job" in r.content[0].text
            token = (await s.call_tool("run_container_job", JOB)).structured_content["confirmation_token"]
            r = await s.call_tool("run_container_job", {**JOB, "resources_per_node": {"gpu": 8}, "confirm": token})
            assert r.is_error and "other arguments" in r.content[0].text
            token = (await s.call_tool("run_container_job", JOB)).structured_content["confirmation_token"]
            assert not (await s.call_tool("run_container_job", {**JOB, "confirm": token})).is_error
            r = await s.call_tool("run_container_job", {**JOB, "confirm": token})
            assert r.is_error and "already used" in r.content[0].text
            assert len(await job_names(s)) == 1
    run(body)


def test_expired_token_is_refused():
    async def body():
        async with session("--sim", env={"KFMCP_CONFIRMATION_TTL_SECONDS": "0.2"}) as s:
            preview = await s.call_tool("run_container_job", JOB)
            await anyio.sleep(0.5)
            r = await s.call_tool("run_container_job", {**JOB, "confirm": preview.structured_content["confirmation_token"]})
            assert r.is_error and "expired" in r.content[0].text
            assert await job_names(s) == []
    run(body)


def test_a_plan_that_no_longer_applies_is_not_carried_out():
    async def body():
        async with session("--sim") as s:
            args = {**JOB, "name": "only-once"}
            first = (await s.call_tool("run_container_job", args)).structured_content["confirmation_token"]
            second = (await s.call_tool("run_container_job", args)).structured_content["confirmation_token"]
            assert not (await s.call_tool("run_container_job", {**args, "confirm": first})).is_error
            # The cluster changed: the name is taken now.
            r = await s.call_tool("run_container_job", {**args, "confirm": second})
            assert r.is_error and "already exists" in r.content[0].text, r.content[0].text
            assert await job_names(s) == ["only-once"]
    run(body)


def test_without_elicitation_nothing_happens_without_the_token():
    async def body():
        async with session("--sim") as s:
            for args in (JOB, {**JOB, "confirm": True}, {**JOB, "confirm": "yes"}, {**JOB, "confirm": 1}):
                await s.call_tool("run_container_job", args)
            r = await s.call_tool("delete_job", {"job_id": "anything", "confirm": True})
            assert r.is_error
            assert await job_names(s) == []
    run(body)


def test_decline_is_final_and_confirm_true_creates_nothing():
    asked = []

    async def body():
        async with session("--sim", elicitation_callback=elicitation(False, asked)) as s:
            r = await s.call_tool("run_container_job", JOB)
            assert r.structured_content["declined"] is True and "confirmation_token" not in r.structured_content
            r = await s.call_tool("run_container_job", {**JOB, "confirm": True})
            assert r.is_error and await job_names(s) == []
            # Asked again for a new call; declined again; nothing created.
            r = await s.call_tool("fine_tune", FINE_TUNE)
            assert r.structured_content["declined"] is True
            assert await job_names(s) == []
    run(body)
    assert len(asked) == 2 and "GPU" in asked[0]


def test_accepted_elicitation_creates_the_name_the_person_saw():
    asked = []

    async def body():
        async with session("--sim", elicitation_callback=elicitation(True, asked)) as s:
            r = await s.call_tool("fine_tune", FINE_TUNE)
            assert not r.is_error, r.content[0].text
            name = r.structured_content["job_id"]
            assert await job_names(s) == [name]
    run(body)
    assert len(asked) == 1 and name_in(asked[0])


def name_in(message: str) -> bool:
    return "ft-qwen2-5-1-5b-" in message


def test_dry_run_returns_the_objects_and_never_asks():
    asked = []

    async def body():
        async with session("--sim", elicitation_callback=elicitation(True, asked)) as s:
            r = await s.call_tool("fine_tune", {**FINE_TUNE, "dry_run": True})
            assert not r.is_error, r.content[0].text
            assert r.structured_content["created"] is False and r.structured_content["trainjob"]["kind"] == "TrainJob"
            assert await job_names(s) == []
    run(body)
    assert asked == []


def test_nested_calls_are_audited(tmp_path):
    audit = tmp_path / "audit.log"

    async def body():
        async with session("--sim", "--audit-log", str(audit)) as s:
            await s.call_tool("run_container_job", JOB)
    run(body)
    entries = [json.loads(line) for line in audit.read_text().splitlines()]
    nested = [e for e in entries if e.get("caller") == "run_container_job"]
    assert {e["tool"] for e in nested} >= {"validate_config", "check_prerequisites"}, entries
    assert [e["result"] for e in entries if e["tool"] == "run_container_job"] == ["preview"]


def test_skip_confirmation_still_serves_automation(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text("policy:\n  persona: platform-admin\n  skip_confirmation: [run_container_job]\n")
    assert "skip_confirmation [run_container_job]" in run_cli("policy", "check", str(policy)).stdout

    async def body():
        async with session("--sim", "--policy", str(policy)) as s:
            r = await s.call_tool("run_container_job", JOB)
            assert not r.is_error and r.structured_content["created"] is True, r.content[0].text
    run(body)
