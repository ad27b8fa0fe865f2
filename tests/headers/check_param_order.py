#!/usr/bin/env python3
"""Every public function orders its parameters one way (docs/conventions.md): the object
acted on, the inputs, the out-parameters (a result pointer, or a buffer and its size), and
`loopmsg_error *err` last. An `_init` function's struct is its object. Exits 1 naming each
function that breaks the rule."""
import glob
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
bad = []
checked = 0
for path in sorted(glob.glob(os.path.join(root, "include", "loopmsg", "*.h"))):
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    for m in re.finditer(r"LOOPMSG_API[^;{]*?\b(loopmsg_\w+)\s*\(([^;{]*?)\)\s*;", text, re.S):
        name = m.group(1)
        params = [" ".join(p.split()) for p in m.group(2).split(",")]
        if params == ["void"]:
            continue
        checked += 1
        names = [re.split(r"[\s*]+", p)[-1] for p in params]
        if names[-1] == "err":
            params, names = params[:-1], names[:-1]
        if "err" in names:
            bad.append(f"{name}: err is not the last parameter")
            continue
        first = 1 if name.endswith("_init") else 0

        def is_out(i):
            p, n = params[i], names[i]
            ptr2 = "**" in p and not p.startswith("const") and "argv" not in n
            return ptr2 or n == "out" or n.endswith("_out")

        outs = [i for i in range(first, len(params)) if is_out(i)]
        if not outs:
            continue
        for i in range(outs[0], len(params)):
            if not (is_out(i) or names[i].endswith("_size") or names[i].endswith("_len")):
                bad.append(f"{name}: input '{names[i]}' after the out-parameter '{names[outs[0]]}'")
                break
for b in bad:
    print("parameter order:", b)
print(f"parameter order: {checked} public functions checked, {len(bad)} out of order")
sys.exit(1 if bad or checked == 0 else 0)  # nothing found: a wrong root, not a pass
