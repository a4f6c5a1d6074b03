"""A web process freezes what it loaded before its first request, so the garbage collector's full
collections walk only what requests leave behind, and come while that is still little.

Each test starts the production WSGI module in a process of its own: freezing the heap is for a
server's whole life, not for the test runner's."""
import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from aftersales.tests.test_settings import STRONG_KEY

ROOT = Path(settings.BASE_DIR)


def _server_process(script):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="service.example.cn")
    result = subprocess.run([sys.executable, "-c", "import aftersales.wsgi\n" + script],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_views_catalogs_and_templates_are_loaded_before_the_heap_is_frozen():
    seen = _server_process(
        "import gc, json, sys\n"
        "from django.template import engines\n"
        "from django.template.loaders.cached import Loader\n"
        "loader = next(l for l in engines['django'].engine.template_loaders if isinstance(l, Loader))\n"
        "print(json.dumps({'views': [m for m in ('complaints.views', 'kpi.views', 'visits.views')"
        " if m in sys.modules], 'templates': sorted(loader.get_template_cache),"
        " 'unfrozen': len(gc.get_objects())}))\n"
    )
    assert seen["views"] == ["complaints.views", "kpi.views", "visits.views"]
    assert "base.html" in seen["templates"] and "complaints/list.html" in seen["templates"]
    # What was loaded lazily at the first requests (47,000 objects) is frozen with the rest.
    assert seen["unfrozen"] < 5_000, seen["unfrozen"]


def test_a_full_collection_comes_once_requests_have_left_a_little_behind():
    """The collector's trigger for a full collection counts against the objects that survived
    the last one; taken before the freeze that count was the whole startup heap, and the first
    full collection waited for 100,000 objects of garbage."""
    seen = _server_process(
        "import gc, json\n"
        "full = []\n"
        "gc.callbacks.append(lambda phase, info: phase == 'stop' and info['generation'] == 2"
        " and full.append(info['collected']))\n"
        # 30,000 objects in cycles outlive a collection of the younger generations, as a
        # request's do when the collector runs in the middle of it, then become garbage.
        "survivors = []\n"
        "for _ in range(30_000):\n"
        "    cycle = []; cycle.append(cycle); survivors.append(cycle)\n"
        "gc.collect(1)\n"
        "del survivors, cycle\n"
        "for _ in range(200_000):\n"
        "    cycle = []; cycle.append(cycle)\n"
        "print(json.dumps({'full_collections': full}))\n"
    )
    assert seen["full_collections"], "no full collection after 30,000 objects of garbage"
    assert max(seen["full_collections"]) >= 30_000
