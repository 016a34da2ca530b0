"""Compile the matcher's pure-Python modules with Cython: `make venv` runs

    .venv/bin/python setup.py build_ext --inplace

The modules stay plain Python (bot/match/speedups.py lists them and explains the
guard against a stale build); compiled, they match a fifth faster. Only the build
needs Cython and a C compiler (requirements-build.lock); a clone without them runs the
same source, uncompiled. The project is otherwise not packaged: this file builds
nothing else.
"""

import runpy
import sys
from pathlib import Path

from Cython.Build import cythonize
from setuptools import setup

MATCH = Path("bot/match")
# Read as a file: importing bot.match would load (and check) the modules being built.
speedups = runpy.run_path(str(MATCH / "speedups.py"))

# annotation_typing off: annotations stay hints, as in the source, so the compiled
# module accepts exactly what the source accepts.
setup(
    packages=[],
    ext_modules=cythonize(
        [str(MATCH / f"{name}.py") for name in speedups["COMPILED"]],
        build_dir="build/cython",
        language_level=3,
        compiler_directives={"annotation_typing": False},
        nthreads=2,
        quiet=True,
    ),
)
if "build_ext" in sys.argv:  # built (a failed build exits above): record the sources
    speedups["write_record"](MATCH)
