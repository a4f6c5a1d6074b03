"""What a web process does once it has loaded the project, before it serves its first request."""
import gc
from pathlib import Path

from django.conf import settings


def settle_startup_heap():
    """Load what the first requests would otherwise load, then move it all (Django, the apps,
    their modules, URL patterns, catalogs and compiled templates: some 400,000 objects) out of
    the garbage collector's sight.

    A full collection walked every object it could see: 120–160 ms on a slow machine every few
    dozen requests, on whichever request was unlucky. Freezing at startup left out what Django
    loads lazily (the URL configuration with every view module it imports, each language's
    catalog and URL names, each template as first rendered): some 47,000 objects, which still
    made each full collection 12–35 ms. Afterwards it walks only what requests leave behind."""
    _load_what_requests_load()
    gc.collect()
    gc.freeze()
    # The collector runs a full collection only once the objects that reached its oldest
    # generation since the last one outnumber a quarter of those that survived it, a count taken
    # before the freeze (400,000). Without this collection over the (now nearly empty) rest, the
    # first full one waited for 100,000 objects of the requests' garbage and took 50–80 ms.
    gc.collect()


def _load_what_requests_load():
    from django.template import engines
    from django.urls import get_resolver
    from django.utils import translation

    resolver = get_resolver()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            # Reversing is per language (the URL names' patterns are kept by language code).
            resolver.reverse_dict  # noqa: B018 - loads the URL configuration and the names
    for engine in engines.all():
        for name in _project_templates(engine):
            engine.get_template(name)


def _project_templates(engine):
    """The project's own templates (the `DIRS` of each engine), not the apps' (the admin's
    hundred or so are compiled when someone opens the admin)."""
    for directory in engine.dirs:
        root = Path(directory)
        for path in sorted(root.rglob("*.html")):
            yield path.relative_to(root).as_posix()
