"""What a web process does once it has loaded the project, before it serves its first request."""
import gc


def settle_startup_heap():
    """Move everything loaded at startup (Django, the apps, their modules: some 350,000 objects)
    out of the garbage collector's sight. A full collection walked all of them, 120–160 ms on a
    slow machine every few dozen requests, on whichever request was unlucky; afterwards it walks
    only what requests leave behind."""
    gc.collect()
    gc.freeze()
