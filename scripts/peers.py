#!/usr/bin/env python3
"""The side-by-side benchmark (`scripts/bench --peers`; run by hand, never in the test suite).

On one chain (static keys -> AssumeRole) against moto, with every tool's cache warm, it runs each
tool in interleaved rounds and prints the medians next to /bin/true: rolecall's
`credential-process` and `env`, the AWS CLI v2's `aws configure export-credentials` (its own
assume-role and cache), boto3 through `credential_process = rolecall ...`, awsume and
aws-export-credentials (both from PyPI, in their own venv). Then it counts how many times
botocore and the JS SDK v3 run rolecall over 100 API calls in one process.

Usage: scripts/peers.py ROLECALL_BINARY [ROUNDS]
"""

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_VENV = ROOT / "target" / "test-venv" / "bin"
PEERS = ROOT / "target" / "bench-peers" / "bin"
NODE_MODULES = ROOT / "target" / "test-node" / "node_modules"
CLI_V2 = "/usr/bin/aws"
CLI_V2_STS_RULES = Path(
    "/usr/lib/python3/dist-packages/awscli/botocore/data/sts/2011-06-15/endpoint-rule-set-1.json"
)
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto():
    port = free_port()
    log = open(tempfile.mktemp(prefix="moto-", suffix=".log"), "w")
    proc = subprocess.Popen(
        [str(TEST_VENV / "moto_server"), "-p", str(port)], stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("moto did not start")


def sandbox(rolecall, moto_url):
    home = Path(tempfile.mkdtemp(prefix="rolecall-peers-"))
    (home / ".aws").mkdir()
    counter = home / "counted-rolecall"
    calls = home / "calls"
    counter.write_text(
        f"#!/bin/sh\necho call >> '{calls}'\nexec '{rolecall}' credential-process hop\n"
    )
    counter.chmod(0o755)
    (home / ".aws" / "config").write_text(
        f"""[profile base]
aws_access_key_id = {KEY_ID}
aws_secret_access_key = {SECRET}
region = us-east-1

[profile hop]
role_arn = arn:aws:iam::123456789012:role/bench
source_profile = base
role_session_name = bench
region = us-east-1

[profile viaprocess]
credential_process = {rolecall} credential-process hop
region = us-east-1

[profile counted]
credential_process = {counter}
region = us-east-1
"""
    )
    # The AWS CLI v2 (2.9) ignores AWS_ENDPOINT_URL*: give it an STS endpoint rule set that
    # answers moto's URL for every region (botocore reads data files from AWS_DATA_PATH first).
    data = home / "aws-data" / "sts" / "2011-06-15"
    data.mkdir(parents=True)
    rules = json.loads(CLI_V2_STS_RULES.read_text())
    rules["rules"] = [
        {
            "conditions": [],
            "endpoint": {"url": moto_url, "properties": {}, "headers": {}},
            "type": "endpoint",
        }
    ]
    (data / "endpoint-rule-set-1.json").write_text(json.dumps(rules))
    env = {
        "HOME": str(home),
        "PATH": f"{PEERS}:/usr/bin:/bin",
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ENDPOINT_URL_STS": moto_url,
        "AWS_DATA_PATH": str(home / "aws-data"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "LANG": "C.UTF-8",
    }
    return home, calls, env


def tools(rolecall, home):
    python = str(TEST_VENV / "python")
    return [
        ("/bin/true", ["/bin/true"]),
        ("rolecall credential-process", [rolecall, "credential-process", "hop"]),
        ("rolecall env", [rolecall, "env", "--format", "bash", "hop"]),
        (
            "aws configure export-credentials (CLI v2)",
            [CLI_V2, "configure", "export-credentials", "--profile", "hop", "--format", "env"],
        ),
        (
            "boto3 through credential_process",
            [
                python,
                "-c",
                "import boto3; boto3.Session(profile_name='viaprocess').get_credentials().get_frozen_credentials()",
            ],
        ),
        ("awsume -s", [str(PEERS / "awsumepy"), "hop", "-s"]),
        (
            "aws-export-credentials --env",
            [
                str(PEERS / "aws-export-credentials"),
                "--profile",
                "hop",
                "--env",
                "--cache-file",
                str(home / "aec-cache.json"),
            ],
        ),
    ]


def run(argv, env):
    t = time.perf_counter()
    p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return time.perf_counter() - t, p


def count_calls(calls, env, argv):
    if calls.exists():
        calls.unlink()
    p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        return f"failed: {p.stderr.decode(errors='replace').strip().splitlines()[-1:]}"
    return len(calls.read_text().splitlines()) if calls.exists() else 0


def main():
    rolecall = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    moto, url = start_moto()
    try:
        home, calls, env = sandbox(rolecall, url)
        table = tools(rolecall, home)
        ok = []
        for name, argv in table:
            _, p = run(argv, env)  # warm the tool's cache
            if p.returncode != 0:
                print(f"{name}: failed, left out: {p.stderr.decode(errors='replace').strip()[-300:]}")
                continue
            ok.append((name, argv))
        times = {name: [] for name, _ in ok}
        for _ in range(rounds):
            for name, argv in ok:
                t, p = run(argv, env)
                if p.returncode != 0:
                    sys.exit(f"{name} failed during the run: {p.stderr.decode(errors='replace')}")
                times[name].append(t)
        base = statistics.median(times["/bin/true"])
        print(f"\nmedians of {rounds} interleaved rounds, caches warm, moto on 127.0.0.1")
        print(f"machine: {os.cpu_count()} cores, {os.uname().sysname} {os.uname().release}; {time.strftime('%Y-%m-%d')}\n")
        print("| tool | median | vs /bin/true |")
        print("|---|---:|---:|")
        for name, _ in ok:
            m = statistics.median(times[name])
            print(f"| {name} | {m * 1000:.1f} ms | {m / base:.1f}x |")

        python = str(TEST_VENV / "python")
        boto = count_calls(
            calls,
            env,
            [
                python,
                "-c",
                "import boto3\nc = boto3.Session(profile_name='counted').client('sts')\nfor _ in range(100): c.get_caller_identity()\n",
            ],
        )
        js = "not run (no JS SDK in target/test-node)"
        if (NODE_MODULES / "@aws-sdk" / "credential-providers").is_dir() and shutil.which("node"):
            script = (
                "const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts');\n"
                "const { fromProcess } = require('@aws-sdk/credential-providers');\n"
                f"const c = new STSClient({{ region: 'us-east-1', endpoint: '{url}', credentials: fromProcess({{ profile: 'counted' }}) }});\n"
                "(async () => { for (let i = 0; i < 100; i++) await c.send(new GetCallerIdentityCommand({})); })()"
                ".catch(e => { console.error(e); process.exit(1); });\n"
            )
            js_env = dict(env, NODE_PATH=str(NODE_MODULES))
            js = count_calls(calls, js_env, ["node", "-e", script])
        print(f"\nrolecall runs over 100 API calls in one process: botocore {boto}, JS SDK v3 {js}")
    finally:
        moto.kill()
        moto.wait()


if __name__ == "__main__":
    main()
