#!/usr/bin/env python3
"""onnx_checker.py CASES_DIR — runs onnx.checker's full check (with strict shape inference) on
every exported model listed in CASES_DIR/manifest.json. Exits 77 (CTest's skip) without
python3-onnx."""
import json
import pathlib
import sys

try:
    import onnx
except ImportError:
    print("python3-onnx is not installed; skipping")
    sys.exit(77)

cases = pathlib.Path(sys.argv[1])
failed = 0
for case in json.loads((cases / "manifest.json").read_text()):
    path = cases / case["model"]
    try:
        onnx.checker.check_model(str(path), full_check=True)
        model = onnx.load(str(path))
        classes = json.loads({p.key: p.value for p in model.metadata_props}["class_names"])
        assert len(classes) == case["classes"], "class_names metadata has the wrong length"
        print(f"ok   {case['name']}: onnx.checker full check, {len(classes)} class names")
    except Exception as error:  # any failure of any model is reported, then the exit code says so
        failed += 1
        print(f"FAIL {case['name']}: {error}")
sys.exit(1 if failed else 0)
