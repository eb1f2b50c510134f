"""Slack acknowledgements against their floor: OneScore beside a Bolt app that only acks, in one run.

Both servers run on 127.0.0.1 at once, against the same fake Slack Web API; `wrk -t2 -c50` (50 closed-loop
connections) sends each signed `/onescore help` commands, alternating between the two for several rounds
so that whatever else the machine does weighs on both alike. The figure is the ratio of the p99s.

    python bench/ack_floor.py [--rounds 3] [--seconds 10] [--connections 50]

Needs `wrk` (Debian: `apt-get install wrk`). SQLite only: the acknowledgement touches no database.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import bench_env, report, running_process, running_server  # noqa: E402
from tests.fakes.slack_api import FakeSlack  # noqa: E402
from tests.fakes.slack_requests import command_body, signed_headers  # noqa: E402

SECRET = "bench-signing-secret"
DISTINCT_REQUESTS = 4000
WRK_SCRIPT = """
local requests = {}
local index = 0
local file = io.open(os.getenv("ACK_FLOOR_REQUESTS"), "r")
for line in file:lines() do
  local ts, sig, body = line:match("^(%d+)\\t([^\\t]+)\\t(.*)$")
  requests[#requests + 1] = wrk.format("POST", "/slack/events", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Slack-Request-Timestamp"] = ts,
    ["X-Slack-Signature"] = sig,
  }, body)
end
file:close()
request = function()
  index = index % #requests + 1
  return requests[index]
end
"""


def signed_requests(path: Path, response_url: str) -> None:
    """Distinct signed commands (each its own trigger id), fresh for Slack's five-minute window."""
    lines = []
    for n in range(DISTINCT_REQUESTS):
        body = command_body(
            user_id=f"U{n % 100:04d}", text="help", command="/onescore", response_url=response_url, trigger_id=f"t.{n}"
        )
        headers = signed_headers(SECRET, body)
        lines.append(f"{headers['x-slack-request-timestamp']}\t{headers['x-slack-signature']}\t{body}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def wrk(url: str, script: Path, requests: Path, seconds: int, connections: int) -> dict[str, float]:
    completed = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
        env={"ACK_FLOOR_REQUESTS": str(requests), "PATH": "/usr/bin:/bin"},
    )
    return parse_wrk(completed.stdout)


def parse_wrk(output: str) -> dict[str, float]:
    """p50/p99 in ms and requests per second from wrk's `--latency` report; non-2xx responses fail the run."""
    if "Non-2xx" in output:
        raise RuntimeError(f"wrk saw refused requests:\n{output}")
    figures = {}
    for label, key in (("50%", "p50_ms"), ("99%", "p99_ms")):
        match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        if not match:
            raise RuntimeError(f"no {label} line in wrk's output:\n{output}")
        value, unit = float(match.group(1)), match.group(2)
        figures[key] = value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    figures["requests_per_s"] = float(rate.group(1)) if rate else 0.0
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        print("bench/ack_floor.py needs wrk (Debian: apt-get install wrk)", file=sys.stderr)
        return 2

    runs: dict[str, list[dict[str, float]]] = {"onescore": [], "minimal_bolt": []}
    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as fake:
        workdir = Path(tmp)
        script, requests = workdir / "signed.lua", workdir / "requests.tsv"
        script.write_text(WRK_SCRIPT, encoding="utf-8")
        slack = {"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.api_url}
        env = bench_env(workdir, f"sqlite:///{workdir / 'bench.db'}", **slack)
        minimal = ["bench/minimal_bolt.py"]
        with (
            running_server(env) as ours,
            running_process(minimal, "/healthz", name="minimal Bolt app", env=env) as floor,
        ):
            servers = {"onescore": ours.url, "minimal_bolt": floor.url}
            for _ in range(args.rounds):
                for name, url in servers.items():
                    signed_requests(requests, fake.response_url())
                    wrk(url, script, requests, 2, args.connections)  # warm up: connections, caches, auth.test
                    runs[name].append(wrk(url, script, requests, args.seconds, args.connections))
                    time.sleep(1)

    summary = {
        name: {
            "p99_ms": [round(run["p99_ms"], 1) for run in results],
            "p50_ms": [round(run["p50_ms"], 1) for run in results],
            "requests_per_s": [round(run["requests_per_s"]) for run in results],
        }
        for name, results in runs.items()
    }
    ours_p99 = statistics.median(run["p99_ms"] for run in runs["onescore"])
    floor_p99 = statistics.median(run["p99_ms"] for run in runs["minimal_bolt"])
    ratio = ours_p99 / floor_p99
    summary["ratio_of_median_p99"] = round(ratio, 2)
    report(
        f"ack p99, wrk -t2 -c{args.connections}, OneScore vs a Bolt app that only acks",
        f"{ours_p99:.1f} ms vs {floor_p99:.1f} ms = {ratio:.2f}×",
        "≤ 1.5×",
        ratio <= 1.5,
    )
    print(json.dumps(summary, indent=2))
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
