# Types for the compiled matcher (setup.py): C integers for the offsets and positions of
# the hot loops, direct calls of these helpers. Only the compiled module reads this file;
# matcher.py stays the definition, and tests/test_speedups.py holds the two to the same
# results.
import cython

cpdef list _spaced_hits(str text, str word)

@cython.locals(index=cython.Py_ssize_t)
cpdef dict _positions_of(list folded, set words)

@cython.locals(at=cython.Py_ssize_t)
cpdef list _found_at(str text, str needle, Py_ssize_t step)

@cython.locals(at=cython.Py_ssize_t, index=cython.Py_ssize_t, last=cython.Py_ssize_t)
cpdef list _numbered(str joined, list offsets)

cpdef list _occurrences(str joined, str needle, Py_ssize_t step)

cpdef bint _within(str padded, Py_ssize_t first, Py_ssize_t then, Py_ssize_t distance)

@cython.locals(start=cython.Py_ssize_t, end=cython.Py_ssize_t, repeats=cython.Py_ssize_t)
cpdef score(hits, doc)

@cython.locals(space=cython.Py_ssize_t)
cpdef Py_ssize_t _word_start(str text, Py_ssize_t position)

@cython.locals(end=cython.Py_ssize_t, space=cython.Py_ssize_t)
cpdef str _cut(str text, Py_ssize_t start)

@cython.locals(at=cython.Py_ssize_t, end=cython.Py_ssize_t, length=cython.Py_ssize_t)
cpdef bint _phrase_in(str padded, tuple words)

cpdef tuple _look_up(set vocabulary, dict known)

@cython.locals(alternative=tuple, others=tuple)
cpdef _meet(list alternatives, set vocabulary, set present, set found)

# Field and Document as extension types: their attributes in C slots, read directly by
# the compiled methods (an instance dictionary with class defaults was ~8 % of matching).
# Every attribute is public, as the source's are; one added in matcher.py must be declared
# here too, or the compiled class refuses it (the tests fail on it).
cdef class Field:
    cdef public str text
    cdef public list folded
    cdef public object padded
    cdef public object _vocab
    cdef public object _joined
    cdef public object _joined_at
    cdef public object _exact_joined
    cdef public object _words
    cdef public object _positions
    cdef public object _offsets
    cdef public object _exact
    cdef public object _sorted
    cdef public object _spans
    cdef public object _stemmed
    cdef public Py_ssize_t _prefix_scans

cdef class Document:
    cdef public Field title
    cdef public Field body
    cdef public object language
    cdef public object feed
    cdef public set vocabulary
    cdef public dict memo
    cdef public tuple _both
    cdef public object prefixes
