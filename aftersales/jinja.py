"""The Jinja2 environment of the table rows written in Jinja2 (templates under `jinja2/`).

Rows get their cells as prepared plain text, so the environment needs no globals: it escapes
everything (as Django's templates do) and fails on a name the context lacks, where Django's
templates would print nothing."""
import jinja2


def environment(**options):
    options["autoescape"] = True
    options["undefined"] = jinja2.StrictUndefined
    return jinja2.Environment(**options)
