"""python -m local_workspace {run,dev,workspace,proxy}."""

from __future__ import annotations

import argparse
import sys

from local_workspace import stack


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen part of the local stack."""
    parser = argparse.ArgumentParser(prog="python -m local_workspace", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="the whole local stack: workspace, app (gunicorn, as app.yaml) and Apps proxy")
    commands.add_parser("dev", help="the whole local stack, with the app in development mode (reloads on edits)")
    workspace = commands.add_parser("workspace", help="the local workspace REST API alone")
    workspace.add_argument("--port", type=int, default=stack.StackPorts.workspace)
    workspace.add_argument("--lakebase-port", type=int, default=stack.StackPorts.lakebase)
    proxy = commands.add_parser("proxy", help="the local Apps proxy alone")
    proxy.add_argument("--port", type=int, default=stack.StackPorts.proxy)
    proxy.add_argument(
        "--upstream",
        action="append",
        help="an app URL; repeat it for several instances, which the proxy takes in turns "
        f"(default http://127.0.0.1:{stack.StackPorts.app})",
    )
    args = parser.parse_args(argv)

    if args.command in ("run", "dev"):
        return stack.run_stack(dev=args.command == "dev")
    if args.command == "workspace":
        stack.serve_workspace(args.port, args.lakebase_port)
    else:
        stack.serve_proxy(args.port, args.upstream or [f"http://127.0.0.1:{stack.StackPorts.app}"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
