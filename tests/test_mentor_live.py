"""The training gate on a real Daphne process: a mentor made with add_staff cannot become
available until their training is complete, and can right after."""

from __future__ import annotations

import pytest

from chatplatform.mentoring import registry
from tests.servers import LiveClient, manage

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

PASSWORD = "a-long-enough-password-1"


async def test_an_add_staff_mentor_becomes_available_only_after_passing_the_modules(start_nodes):
    (node,) = start_nodes()
    manage(node.env, "add_staff", "new.mentor@example.org", "--role", "mentor",
           "--password", PASSWORD, "--name", "Robin")  # fmt: skip
    client = LiveClient(node)
    try:
        client.login("new.mentor@example.org", PASSWORD)
        console = await client.websocket("/ws/staff/")
        snapshot = await console.receive_type("staff.snapshot")
        assert snapshot["me"]["refusal"]["code"] == "training_required"
        await console.send({"type": "availability.set", "status": "available"})
        error = await console.receive_type("error")
        assert error["code"] == "training_required"
        assert "training" in client.get("/staff/").text.lower()

        for module in registry.required_modules():
            answers = {f"q{i}": str(q.correct) for i, q in enumerate(module.questions)}
            response = client.post(f"/staff/training/{module.id}/", answers)
            assert response.url.endswith("/staff/training/"), module.id
        page = client.get("/staff/training/")
        assert "Your training is complete" in page.text

        await console.send({"type": "availability.set", "status": "available"})
        while True:
            frame = await console.receive()
            assert frame["type"] != "error", frame
            if frame["type"] == "staff.snapshot" and frame["me"]["status"] == "available":
                break
        assert frame["me"]["refusal"] is None
    finally:
        await client.close()
