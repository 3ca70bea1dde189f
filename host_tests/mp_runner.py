# Runs one MicroPython test module under the unix port and reports each test on one line:
#   RESULT <TAB> name <TAB> PASS|FAIL <TAB> detail (escaped newlines)
# Usage: micropython mp_runner.py path/to/mp_test_x.py [--list]
# A test is a function named test_*; an async one runs in a fresh asyncio loop.
import sys
import io
import asyncio


def load(path):
    g = {"__name__": "mp_test"}
    with open(path) as f:
        src = f.read()
    exec(compile(src, path, "exec"), g)
    return g


def main():
    path = sys.argv[1]
    listing = "--list" in sys.argv
    only = [a for a in sys.argv[2:] if not a.startswith("--")]
    g = load(path)
    names = [n for n in sorted(g) if n.startswith("test_") and callable(g[n])]
    if listing:
        for n in names:
            print("TEST\t" + n)
        return
    for n in names:
        if only and n not in only:
            continue
        try:
            r = g[n]()
            if hasattr(r, "send"):  # a coroutine
                asyncio.run(r)
            asyncio.new_event_loop()
            print("RESULT\t%s\tPASS\t" % n)
        except Exception as e:
            buf = io.StringIO()
            sys.print_exception(e, buf)
            print("RESULT\t%s\tFAIL\t%s" % (n, buf.getvalue().replace("\n", "\\n")))


main()
