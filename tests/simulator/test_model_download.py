"""The camera's own download of a SenseCraft model: task answered at once, status polled, refusals."""

from __future__ import annotations

import time

from recamera_mcp.simulator.testing import raw_session


def test_refusals_and_a_download_without_the_cloud(camera):
    with raw_session(camera.url) as http:
        empty = http.post("/model/get_model", json={"user_id": "1", "model_id": "", "model_name": "x"})
        assert (
            empty.status_code == 400 and empty.json()["message"] == "user_id, model_id and model_name cannot be empty"
        )
        bad = http.post(
            "/model/get_model", json={"user_id": "1", "model_id": "2", "model_name": "x", "file_name": "a b"}
        )
        assert bad.json()["message"] == "Invalid model file name"
        assert http.get("/model/download_status").json()["message"] == "Missing task_id parameter"
        assert http.get("/model/download_status", params={"task_id": "nope"}).json()["message"] == "Task not found"
        started = http.post("/model/get_model", json={"user_id": "1", "model_id": "2", "model_name": "door"}).json()
        assert started["code"] == 0 and started["task_id"]
        deadline = time.monotonic() + 5
        while (status := http.get("/model/download_status", params={"task_id": started["task_id"]}).json())[
            "status"
        ] == "downloading":
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert status["status"] == "failed" and "cannot reach" in status["error"]
