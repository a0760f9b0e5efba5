#!/usr/bin/env python3
"""Execute one notebook top to bottom through a real Jupyter kernel (nbclient), headless.

Used by lib/notebook/runNotebooks.ts (`anime-gan paper`, the notebook tests). Runs cell by cell
so that it can time each cell and stop at the first failing one. tslab does not send an `error`
message for a failing cell (its reply just has status "error"); the message and stack are in the
cell's stderr stream, which this script collects and reports.

Parameters, papermill-style: --inject FILE (JSON {"source": ..., "parameters": {...}}) inserts a
code cell tagged "injected-parameters" after the cell tagged "parameters" (at the top when there
is none; an old injected cell is replaced) and records the parameters in the notebook's metadata
(anime_gan.parameters).

The executed copy is signed with Jupyter's notary (nbformat's NotebookNotary, the key and
database of the user's Jupyter data folder), as Jupyter signs a notebook it executed itself: it
opens trusted, so its plots' scripts run and its Markdown outputs (Table 1) show.

Usage: run_notebook.py IN.ipynb OUT.ipynb RESULT.json [--kernel tslab] [--timeout SEC] [--inject FILE]
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
    ap.add_argument("--inject", default=None, help="JSON file: the injected-parameters cell and the parameters")
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
    if args.inject:
        with open(args.inject) as f:
            inject_parameters(nb, json.load(f))
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
    result["signed"] = sign(nb)
    tmp = args.output + ".tmp-%d" % os.getpid()
    nbformat.write(nb, tmp)
    os.replace(tmp, args.output)
    with open(args.result, "w") as f:
        json.dump(result, f)


def inject_parameters(nb, spec):
    """Papermill's injection: a cell tagged injected-parameters after the parameters cell."""
    import nbformat
    nb.cells = [c for c in nb.cells if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    at = 0
    for i, c in enumerate(nb.cells):
        if c.cell_type == "code" and "parameters" in c.get("metadata", {}).get("tags", []):
            at = i + 1
            break
    if spec.get("source"):
        cell = nbformat.v4.new_code_cell(source=spec["source"], metadata={"tags": ["injected-parameters"]})
        nb.cells.insert(at, cell)
    nb.metadata.setdefault("anime_gan", {})["parameters"] = spec.get("parameters", {})


def sign(nb):
    """Sign as Jupyter does for notebooks it ran; a failure only means the copy opens untrusted."""
    try:
        from nbformat.sign import NotebookNotary
        NotebookNotary().sign(nb)
        return True
    except Exception as e:  # e.g. a read-only Jupyter data folder
        print("run_notebook: could not sign the executed copy (%s); it opens untrusted" % e, file=sys.stderr)
        return False


if __name__ == "__main__":
    main()
