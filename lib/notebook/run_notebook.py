#!/usr/bin/env python3
"""Execute one notebook top to bottom through a real Jupyter kernel (nbclient), headless.

Used by lib/notebook/runNotebooks.ts (`anime-gan paper`, the notebook tests). Runs cell by cell
so that it can time each cell and stop at the first failing one. tslab does not send an `error`
message for a failing cell (its reply just has status "error"); the message and stack are in the
cell's stderr stream, which this script collects and reports.

Usage: run_notebook.py IN.ipynb OUT.ipynb RESULT.json [--kernel tslab] [--timeout SEC]
Progress lines on stderr: "@@cell <index> <count> <seconds>". Exit 0 whether or not a cell
failed (RESULT.json says); exit 2 for a problem running Jupyter itself.
"""
import argparse
import json
import os
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("result")
    ap.add_argument("--kernel", default="tslab")
    ap.add_argument("--timeout", type=int, default=0, help="per-cell timeout in seconds, 0 = none")
    args = ap.parse_args()

    try:
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, CellTimeoutError
    except ImportError as e:
        print("run_notebook: Jupyter's client is missing (%s); install python3-nbclient (scripts/setup.sh)" % e,
              file=sys.stderr)
        sys.exit(2)

    nb = nbformat.read(args.input, as_version=4)
    client = NotebookClient(
        nb,
        timeout=args.timeout if args.timeout > 0 else None,
        kernel_name=args.kernel,
        allow_errors=False,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(args.input))}},
    )
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    result = {"ok": True, "seconds": 0.0, "cells": [], "error": None}
    t0 = time.time()
    try:
        with client.setup_kernel():
            for n, index in enumerate(code_cells):
                cell = nb.cells[index]
                start = time.time()
                try:
                    client.execute_cell(cell, index)
                except (CellExecutionError, CellTimeoutError) as e:
                    seconds = time.time() - start
                    result["ok"] = False
                    result["cells"].append({"index": index, "seconds": seconds})
                    stderr = "".join(o.get("text", "") for o in cell.get("outputs", [])
                                     if o.get("output_type") == "stream" and o.get("name") == "stderr")
                    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
                    lines = str(e).strip().splitlines()
                    result["error"] = {
                        "cell": index,
                        "codeCell": n + 1,
                        "source": cell.source,
                        "stderr": stderr,
                        "ename": errors[0].get("ename") if errors else type(e).__name__,
                        "evalue": errors[0].get("evalue") if errors else (lines[-1] if lines else ""),
                        "timeout": isinstance(e, CellTimeoutError),
                    }
                    break
                seconds = time.time() - start
                result["cells"].append({"index": index, "seconds": seconds})
                print("@@cell %d %d %.3f" % (n + 1, len(code_cells), seconds), file=sys.stderr, flush=True)
    except Exception as e:  # the kernel did not start, or died
        result["ok"] = False
        result["error"] = {"cell": None, "codeCell": None, "source": "", "stderr": "",
                           "ename": type(e).__name__, "evalue": str(e), "timeout": False}
    result["seconds"] = time.time() - t0
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    tmp = args.output + ".tmp-%d" % os.getpid()
    nbformat.write(nb, tmp)
    os.replace(tmp, args.output)
    with open(args.result, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
